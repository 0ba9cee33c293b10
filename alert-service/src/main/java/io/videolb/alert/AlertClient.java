package io.videolb.alert;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;

/**
 * A small blocking client of alert-service's HTTP for {@code videolb alert retry}: {@code POST /outbox/retry}
 * (answered only to loopback peers). Bounded timeouts; answers larger than {@link #MAX_BODY_BYTES} are refused.
 */
public final class AlertClient {
    /** alert-service's default HTTP ({@code VIDEOLB_ALERT_HTTP}). */
    public static final String DEFAULT_URL = "http://127.0.0.1:8093";

    static final int MAX_BODY_BYTES = 64 * 1024;

    /** Status and body of one answer. */
    public record Response(int status, String body) {}

    private final URI base;
    private final Duration timeout;
    private final HttpClient http;

    /** @param base {@code http[s]://host[:port]} without a path, validated by the caller */
    public AlertClient(URI base, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    public URI base() {
        return base;
    }

    /** {@code POST /outbox/retry}: every dead-lettered mail back in the queue; the answer names how many. */
    public Response retryDeadLetters() throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/outbox/retry"))
                .timeout(timeout)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) throw new IOException("answer larger than " + MAX_BODY_BYTES + " bytes");
            return new Response(r.statusCode(), new String(body, StandardCharsets.UTF_8));
        }
    }
}
