package io.videolb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServiceEndpoints#mountDetailsForLoopback}: a real HTTP server on 127.0.0.1 that reads the PROXY protocol
 * header, so that a request (still over loopback) comes from the peer address the test names: 203.0.113.9 for a
 * monitoring host, 127.0.0.1 for the director itself.
 */
class HealthPeerTest {
    static final String STDERR = "ipset v7.17: Error in line 3: Syntax error: '203.0.113.21 ; reboot'";
    final ServiceRuntime runtime = ServiceRuntime.create();
    final AtomicReference<HealthReport> report = new AtomicReference<>();
    int port;

    @BeforeEach
    void listen() throws Exception {
        ServiceMetrics metrics = runtime.metrics("ipvs-agent");
        Router router = ServiceEndpoints.mountDetailsForLoopback(Router.router(runtime.vertx()), report::get, metrics);
        HttpServer server = runtime.vertx()
                .createHttpServer(new HttpServerOptions().setUseProxyProtocol(true))
                .requestHandler(router)
                .listen(0, "127.0.0.1")
                .toCompletionStage()
                .toCompletableFuture()
                .get();
        port = server.actualPort();
    }

    @AfterEach
    void close() {
        runtime.close();
    }

    /** GET {@code path} as if from {@code peer}; the raw answer (status line, headers, body). */
    String getFrom(String peer, String path) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("PROXY TCP4 " + peer + " 127.0.0.1 40000 " + port + "\r\n" + "GET " + path
                            + " HTTP/1.1\r\nHost: director\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String body(String answer) {
        return answer.substring(answer.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aMonitoringHostLearnsOnlyUpOrDownNeverToolOutput() throws Exception {
        report.set(
                new HealthReport(false, new JsonObject().put("status", "DOWN").put("lastError", STDERR)));
        String remote = getFrom("203.0.113.9", "/health");
        assertThat(remote).startsWith("HTTP/1.1 503");
        assertThat(new JsonObject(body(remote))).isEqualTo(new JsonObject().put("status", "DOWN"));
        assertThat(remote).doesNotContain("ipset", "203.0.113.21", "reboot");

        report.set(new HealthReport(true, new JsonObject().put("status", "UP").put("generation", 7)));
        String up = getFrom("203.0.113.9", "/health");
        assertThat(up).startsWith("HTTP/1.1 200");
        assertThat(new JsonObject(body(up))).isEqualTo(new JsonObject().put("status", "UP"));
    }

    @Test
    void theDirectorItselfGetsTheWholeReport() throws Exception {
        report.set(
                new HealthReport(false, new JsonObject().put("status", "DOWN").put("lastError", STDERR)));
        String local = getFrom("127.0.0.1", "/health");
        assertThat(local).startsWith("HTTP/1.1 503");
        assertThat(new JsonObject(body(local)).getString("lastError")).isEqualTo(STDERR);
    }

    @Test
    void aFailingReportIsDownForBothWithoutItsMessageRemotely() throws Exception {
        String remote = getFrom("203.0.113.9", "/health");
        assertThat(remote).startsWith("HTTP/1.1 503");
        assertThat(new JsonObject(body(remote))).isEqualTo(new JsonObject().put("status", "DOWN"));
    }

    @Test
    void metricsStayOpenToTheMonitoringHost() throws Exception {
        String m = getFrom("203.0.113.9", "/metrics");
        assertThat(m).startsWith("HTTP/1.1 200").contains("videolb_build_info{service=\"ipvs-agent\"");
    }
}
