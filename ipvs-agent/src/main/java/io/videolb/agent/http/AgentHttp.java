package io.videolb.agent.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.videolb.agent.observed.ClientPersistence;
import io.videolb.runtime.HealthReport;
import io.videolb.runtime.ServiceEndpoints;
import io.videolb.runtime.ServiceMetrics;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoint on the process's Vert.x: {@code GET /metrics} and {@code GET /health}
 * (service-runtime's {@link ServiceEndpoints}; 503 when the last run failed or the topics are not
 * read yet; a peer not on loopback gets only UP or DOWN, never a tool's error output or a payload line) and, given a proc root, {@code GET /persistence?client=IPv4} (the client's IPVS
 * persistence templates and connections, read on a worker thread, see {@link PersistenceEndpoint}). All read-only.
 */
public final class AgentHttp {
    private AgentHttp() {}

    /**
     * Listens on {@code host:port}; call on the agent verticle's context (the server's handlers run there).
     *
     * @param procRoot /proc on a real director (the agent's {@code VIDEOLB_PROC_ROOT}); null: no /persistence route
     */
    public static Future<HttpServer> listen(
            Vertx vertx, String host, int port, ServiceMetrics metrics, Supplier<HealthReport> health, Path procRoot) {
        Router router = ServiceEndpoints.mountDetailsForLoopback(Router.router(vertx), health, metrics);
        if (procRoot != null)
            router.get("/persistence")
                    .handler(new PersistenceEndpoint(vertx, procRoot, ClientPersistence.Limits.DEFAULT));
        return vertx.createHttpServer().requestHandler(router).listen(port, host);
    }
}
