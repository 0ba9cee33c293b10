package io.videolb.config.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A small blocking client of the admin API (JDK HttpClient): bearer token, bounded timeouts,
 * optional extra CA certificate (PEM) for a self-signed TLS server.
 */
public final class AdminClient {
    /** Status and body of one answer; {@code etag} is the ETag header, if any. */
    public record Response(int status, String body, Optional<String> etag) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final Duration timeout;

    public AdminClient(URI base, String token, Duration timeout, Path caPem) {
        this.base = Objects.requireNonNull(base, "base");
        if (!"http".equals(base.getScheme()) && !"https".equals(base.getScheme())) {
            throw new IllegalArgumentException("API URL must be http:// or https://: " + base);
        }
        this.token = Objects.requireNonNull(token, "token");
        if (token.isEmpty() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("the token must be printable ASCII without blanks");
        }
        this.timeout = timeout;
        HttpClient.Builder b =
                HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
        if (caPem != null) b.sslContext(trusting(caPem));
        this.http = b.build();
    }

    public AdminClient(URI base, String token) {
        this(base, token, Duration.ofSeconds(30), null);
    }

    /**
     * From the environment: {@code VIDEOLB_API} (default http://127.0.0.1:8088), the token from
     * {@code VIDEOLB_TOKEN} or the first line of the file {@code VIDEOLB_TOKEN_FILE} (or
     * {@code tokenFile} if given), {@code VIDEOLB_API_CA} (a PEM CA to trust).
     */
    public static AdminClient fromEnv(Map<String, String> env, Path tokenFile) throws IOException {
        String url = env.getOrDefault("VIDEOLB_API", "http://127.0.0.1:8088");
        String token = env.get("VIDEOLB_TOKEN");
        Path file = tokenFile != null
                ? tokenFile
                : Optional.ofNullable(env.get("VIDEOLB_TOKEN_FILE"))
                        .map(Path::of)
                        .orElse(null);
        if (file != null) {
            token = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .findFirst()
                    .orElseThrow(() -> new IOException("token file " + file + " is empty"));
        }
        if (token == null || token.isBlank())
            throw new IllegalArgumentException("no token: set VIDEOLB_TOKEN or VIDEOLB_TOKEN_FILE");
        String ca = env.get("VIDEOLB_API_CA");
        return new AdminClient(
                URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url),
                token.strip(),
                Duration.ofSeconds(30),
                ca == null || ca.isBlank() ? null : Path.of(ca));
    }

    /** A TLS context that trusts exactly the certificates of a PEM file (the operator's CA). */
    public static SSLContext trusting(Path caPem) {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                ks.setCertificateEntry("ca" + i++, c);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use CA file " + caPem + ": " + e.getMessage(), e);
        }
    }

    public Response get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    /** Sends a request; {@code json} is the body (or null), {@code ifMatch} the If-Match header (or null). */
    public Response send(String method, String path, String json, String ifMatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (ifMatch != null) b.header("If-Match", ifMatch);
        if (json != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Response(r.statusCode(), r.body(), r.headers().firstValue("ETag"));
    }
}
