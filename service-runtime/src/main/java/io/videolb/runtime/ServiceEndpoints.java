package io.videolb.runtime;

import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two endpoints every service serves the same way:
 * <ul>
 *   <li>{@code GET /health}: the service's {@link HealthReport} as JSON, 200 when healthy, 503 when
 *       not (and 503 when the report cannot be made). The supplier runs on the event loop: it reads
 *       fields, it never waits.</li>
 *   <li>{@code GET /metrics}: the service's series ({@link ServiceMetrics#scrape()}) in the Prometheus
 *       text format, rendered on a worker thread so that a large registry never holds the event loop.</li>
 * </ul>
 *
 * <pre>{@code
 * Router router = Router.router(vertx);
 * ServiceEndpoints.mount(router, this::healthReport, metrics);
 * }</pre>
 */
public final class ServiceEndpoints {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceEndpoints.class);

    private ServiceEndpoints() {}

    /** Mounts {@code GET /health} and {@code GET /metrics} on {@code router}. */
    public static Router mount(Router router, Supplier<HealthReport> health, ServiceMetrics metrics) {
        router.get("/health").handler(health(health));
        router.get("/metrics").handler(metrics(metrics));
        return router;
    }

    /**
     * As {@link #mount}, but {@code /health} tells a peer that is not on loopback only {@code {"status":"UP"}} or
     * {@code {"status":"DOWN"}} (with the same 200/503): the full report (a tool's error output, a refused payload
     * line) stays for local readers (the agent: it may name clients and kernel state).
     */
    public static Router mountDetailsForLoopback(Router router, Supplier<HealthReport> health, ServiceMetrics metrics) {
        Handler<RoutingContext> full = health(health);
        router.get("/health").handler(ctx -> {
            if (fromLoopback(ctx)) full.handle(ctx);
            else upOrDown(ctx, health);
        });
        router.get("/metrics").handler(metrics(metrics));
        return router;
    }

    /** Whether the peer of this request is on a loopback address (its socket's, no forwarded-for header). */
    public static boolean fromLoopback(RoutingContext ctx) {
        io.vertx.core.net.SocketAddress a = ctx.request().remoteAddress();
        if (a == null || a.hostAddress() == null) return false;
        try {
            return java.net.InetAddress.getByName(a.hostAddress()).isLoopbackAddress(); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static void upOrDown(RoutingContext ctx, Supplier<HealthReport> health) {
        boolean up;
        try {
            up = health.get().healthy();
        } catch (RuntimeException e) {
            up = false;
        }
        ctx.response()
                .setStatusCode(up ? 200 : 503)
                .putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store")
                .end(new JsonObject().put("status", up ? "UP" : "DOWN").encode());
    }

    /** The {@code /health} handler alone. */
    public static Handler<RoutingContext> health(Supplier<HealthReport> health) {
        Objects.requireNonNull(health, "health");
        return ctx -> {
            HealthReport r;
            try {
                r = health.get();
            } catch (RuntimeException e) {
                LOG.warn("/health: the health report failed: {}", e.toString());
                r = new HealthReport(
                        false, new JsonObject().put("status", "DOWN").put("error", String.valueOf(e.getMessage())));
            }
            ctx.response()
                    .setStatusCode(r.healthy() ? 200 : 503)
                    .putHeader("content-type", "application/json")
                    .putHeader("cache-control", "no-store")
                    .end(r.body().encode());
        };
    }

    /** The {@code /metrics} handler alone. */
    public static Handler<RoutingContext> metrics(ServiceMetrics metrics) {
        Objects.requireNonNull(metrics, "metrics");
        return ctx -> ctx.vertx().executeBlocking(metrics::scrape, false).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response()
                        .putHeader("content-type", ServiceMetrics.CONTENT_TYPE)
                        .end(ar.result());
            } else {
                LOG.warn("/metrics of {}: {}", metrics.service(), ar.cause().toString());
                ctx.response()
                        .setStatusCode(500)
                        .putHeader("content-type", "text/plain; charset=utf-8")
                        .end("cannot render the metrics\n");
            }
        });
    }
}
