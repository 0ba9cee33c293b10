package io.videolb.config.client;

import io.videolb.model.Ipv4Address;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A small blocking client of a director's ipvs-agent HTTP endpoint ({@code GET /persistence}), for
 * {@code videolb explain}. The agent's HTTP has no token (it is read-only and listens where the
 * agent is configured to). Bounded timeouts; answers larger than {@link #MAX_BODY_BYTES} are refused.
 */
public final class AgentClient {
    /** The agent's default HTTP port (ipvs-agent {@code VIDEOLB_HTTP_PORT}). */
    public static final String DEFAULT_URL = "http://127.0.0.1:9102";
    /** Largest agent answer read (100 connections are ~20 KB). */
    public static final int MAX_BODY_BYTES = 1 << 20;

    /** Status and body of one answer. */
    public record Response(int status, String body) {}

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    public AgentClient(URI base, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code --agent URL} if given, else {@code VIDEOLB_AGENT_URL}, else {@link #DEFAULT_URL}; validated by {@link #parseUrl}. */
    public static AgentClient resolve(String option, Map<String, String> env) {
        String url = option != null ? option : env.get("VIDEOLB_AGENT_URL");
        String what = option != null ? "--agent" : "VIDEOLB_AGENT_URL";
        if (url == null || (option == null && url.isBlank())) {
            url = DEFAULT_URL;
            what = "agent URL";
        }
        return new AgentClient(parseUrl(what, url), Duration.ofSeconds(10));
    }

    /**
     * An agent base URL: {@code http} or {@code https}, a host, an optional port 1..65535, no user
     * info, path, query or fragment, printable ASCII only, at most 256 characters. Errors name {@code what}.
     */
    public static URI parseUrl(String what, String url) {
        if (url.isEmpty() || url.length() > 256)
            throw new IllegalArgumentException(what + ": a URL of 1..256 characters, e.g. " + DEFAULT_URL);
        for (int i = 0; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c <= 0x20 || c >= 0x7f)
                throw new IllegalArgumentException(
                        what + ": a control character, blank or non-ASCII character at position " + (i + 1));
        }
        if (!url.startsWith("http://") && !url.startsWith("https://"))
            throw new IllegalArgumentException(what + ": must start with http:// or https://");
        URI u;
        try {
            u = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + ": not a URL (" + e.getReason() + ")");
        }
        if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()))
            throw new IllegalArgumentException(what + ": must start with http:// or https://");
        if (u.getHost() == null || u.getHost().isEmpty())
            throw new IllegalArgumentException(what + ": has no host (e.g. " + DEFAULT_URL + ")");
        if (u.getRawUserInfo() != null) throw new IllegalArgumentException(what + ": user info is not allowed");
        if (u.getPort() == 0 || u.getPort() > 65535)
            throw new IllegalArgumentException(what + ": port must be 1..65535");
        if ((u.getRawPath() != null && !u.getRawPath().isEmpty())
                || u.getRawQuery() != null
                || u.getRawFragment() != null) {
            throw new IllegalArgumentException(what + ": only scheme://host[:port], no path, query or fragment");
        }
        return u;
    }

    public URI base() {
        return base;
    }

    /** {@code GET /persistence?client=IP}. */
    public Response persistence(Ipv4Address client) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/persistence?client=" + client))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET()
                .build();
        HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (java.io.InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) throw new IOException("answer larger than " + MAX_BODY_BYTES + " bytes");
            return new Response(r.statusCode(), new String(body, StandardCharsets.UTF_8));
        }
    }
}
