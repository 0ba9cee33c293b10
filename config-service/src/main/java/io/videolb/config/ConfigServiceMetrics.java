package io.videolb.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.events.GenerationMarker;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * config-service's own series on its {@code /metrics}:
 * <ul>
 *   <li>{@code videolb_config_generation}: the committed desired generation;</li>
 *   <li>{@code videolb_config_publish_seconds{source,outcome}} (histogram): every publish attempt and how long it took
 *       (source {@code import} for a file import, {@code api:ACTION} for the admin API; outcome
 *       {@code published}, {@code unchanged}, {@code rejected}, {@code conflict}, {@code failed});</li>
 *   <li>{@code videolb_config_start_imports_total{result}}: the import of the configured folder at start
 *       ({@code published}, {@code unchanged}, {@code kept_api_changes}, {@code refused}, {@code invalid});</li>
 *   <li>{@code videolb_config_http_requests_seconds{method,route,status}} (histogram): every HTTP request, by route
 *       template (e.g. {@code /api/v1/clients/:id}), never by raw path.</li>
 * </ul>
 */
final class ConfigServiceMetrics {
    /** The admin API's resources; any other {@code /api/...} path is counted as {@code unmatched}. */
    private static final Set<String> RESOURCES = Set.of(
            "whoami",
            "generation",
            "state",
            "params",
            "clients",
            "pools",
            "backups",
            "import",
            "export",
            "plan",
            "status",
            "explain",
            "audit");

    private static final Set<String> OWN_PATHS = Set.of("/health", "/ready", "/metrics");

    private final MeterRegistry registry;

    ConfigServiceMetrics(MeterRegistry registry, DesiredStatePublisher publisher) {
        this.registry = registry;
        Gauge.builder("videolb.config.generation", publisher, DesiredStatePublisher::generation)
                .description("The committed desired generation")
                .register(registry);
        publisher.observe((source, outcome, nanos) -> Timer.builder("videolb.config.publish")
                .description("Publish attempts and their duration")
                .tag("source", sourceKind(source))
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS));
    }

    /** The import of the configured folder at start ended with {@code result}. */
    void startImport(String result) {
        Counter.builder("videolb.config.start.imports")
                .description("Imports of the configured folder at start, by result")
                .tag("result", result)
                .register(registry)
                .increment();
    }

    /** Times every request; mount before every other route. */
    Handler<RoutingContext> requests() {
        return ctx -> {
            long t0 = System.nanoTime();
            ctx.addBodyEndHandler(v -> Timer.builder("videolb.config.http.requests")
                    .description("HTTP requests by route template and status")
                    .tag("method", ctx.request().method().name())
                    .tag("route", route(ctx.normalizedPath(), ctx.response().getStatusCode()))
                    .tag("status", Integer.toString(ctx.response().getStatusCode()))
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry)
                    .record(Duration.ofNanos(System.nanoTime() - t0)));
            ctx.next();
        };
    }

    /** A bounded label: the route template of {@code path}, {@code page} for the web page, {@code unmatched} for the rest. */
    static String route(String path, int status) {
        if (path == null) return "unmatched";
        if (OWN_PATHS.contains(path)) return path;
        if (!path.startsWith("/api/")) return status == 404 ? "unmatched" : "page";
        String[] parts = path.substring(1).split("/", -1); // api, v1, resource, ...
        if (parts.length < 3 || !parts[1].equals("v1") || !RESOURCES.contains(parts[2]) || parts.length > 5)
            return "unmatched";
        StringBuilder b = new StringBuilder("/api/v1/").append(parts[2]);
        for (int i = 3; i < parts.length; i++) b.append(i == 3 ? "/:id" : "/:len");
        return b.toString();
    }

    /** {@code import} for a file import (its folder is no label), else the source as it is ({@code api:set-client}: a bounded set). */
    static String sourceKind(String source) {
        return source != null && source.startsWith(GenerationMarker.FILE_IMPORT_PREFIX)
                ? "import"
                : String.valueOf(source);
    }
}
