package io.videolb.runtime;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * What a service's {@code GET /health} answers: 200 with {@code body} when {@code healthy}, else 503
 * with it. The body is the service's own (its status words, counts, last errors).
 */
public record HealthReport(boolean healthy, JsonObject body) {
    public HealthReport {
        Objects.requireNonNull(body, "body");
    }
}
