package io.videolb.agent.http;

import io.videolb.agent.observed.ClientPersistence;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * {@code GET /metrics} (Prometheus text), {@code GET /health} (JSON; 503 when the last run failed or the
 * topics are not read yet) and, given a proc root, {@code GET /persistence?client=IPv4} (the client's
 * IPVS persistence templates and connections, see {@link PersistenceEndpoint}). All read-only.
 */
public final class AgentHttp implements AutoCloseable {
    private final Vertx vertx;
    private final HttpServer server;
    private final Metrics metrics;
    private final Supplier<JsonObject> health;

    public AgentHttp(String host, int port, Metrics metrics, Supplier<JsonObject> health) throws Exception {
        this(host, port, metrics, health, null);
    }

    /** @param procRoot /proc on a real director (the agent's {@code VIDEOLB_PROC_ROOT}); null: no /persistence route */
    public AgentHttp(String host, int port, Metrics metrics, Supplier<JsonObject> health, Path procRoot) throws Exception {
        this.metrics = metrics;
        this.health = health;
        this.vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get("/metrics").handler(this::metrics);
        router.get("/health").handler(this::health);
        if (procRoot != null) router.get("/persistence").handler(new PersistenceEndpoint(vertx, procRoot, ClientPersistence.Limits.DEFAULT));
        this.server = vertx.createHttpServer().requestHandler(router).listen(port, host).toCompletionStage().toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    private void metrics(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4").end(metrics.prometheus());
    }

    private void health(RoutingContext ctx) {
        JsonObject h = health.get();
        ctx.response().setStatusCode("UP".equals(h.getString("status")) ? 200 : 503).putHeader("content-type", "application/json").end(h.encode());
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
    }
}
