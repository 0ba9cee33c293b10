package io.videolb.runtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * The stop every service makes, in the same order: what waits (Kafka clients, joined threads) on a
 * worker thread, then the HTTP server, then the service's meters. Called from a verticle's
 * {@code stop()}, on its context:
 *
 * <pre>{@code
 * public Future<?> stop() {
 *     return ServiceStop.inOrder(vertx, this::closeParts, http, metrics);
 * }
 * }</pre>
 */
public final class ServiceStop {
    private ServiceStop() {}

    /**
     * Runs {@code blockingPart} on a worker thread, then closes {@code http} (null: none); at the end,
     * also when a step before failed, closes {@code metrics} (null: none) so that the service's series
     * leave the process registry. The future fails with the first failure.
     */
    public static Future<Void> inOrder(Vertx vertx, Runnable blockingPart, HttpServer http, ServiceMetrics metrics) {
        return vertx.executeBlocking(() -> {
                    blockingPart.run();
                    return null;
                })
                .compose(v -> http == null ? Future.<Void>succeededFuture() : http.close())
                .eventually(() -> {
                    if (metrics != null) metrics.close();
                    return Future.succeededFuture();
                });
    }
}
