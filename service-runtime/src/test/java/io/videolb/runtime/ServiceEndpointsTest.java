package io.videolb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServiceEndpointsTest {
    final ServiceRuntime runtime = ServiceRuntime.create();
    final AtomicReference<HealthReport> report = new AtomicReference<>();
    final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int port;

    @BeforeEach
    void listen() throws Exception {
        ServiceMetrics metrics = runtime.metrics("config-service");
        Gauge.builder("videolb.config.generation", () -> 42).register(metrics.registry());
        Router router = ServiceEndpoints.mount(
                Router.router(runtime.vertx()),
                () -> {
                    HealthReport r = report.get();
                    if (r == null) throw new IllegalStateException("no report yet");
                    return r;
                },
                metrics);
        HttpServer server = runtime.vertx()
                .createHttpServer()
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

    HttpResponse<String> get(String path) throws Exception {
        return client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthyIs200WithTheServicesJson() throws Exception {
        report.set(new HealthReport(true, new JsonObject().put("status", "UP").put("generation", 7)));
        HttpResponse<String> r = get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(new JsonObject(r.body()))
                .isEqualTo(new JsonObject().put("status", "UP").put("generation", 7));
    }

    @Test
    void unhealthyIs503WithTheServicesJson() throws Exception {
        report.set(new HealthReport(false, new JsonObject().put("status", "STARTING")));
        HttpResponse<String> r = get("/health");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(r.body()).getString("status")).isEqualTo("STARTING");
    }

    @Test
    void aFailingReportIs503Down() throws Exception {
        HttpResponse<String> r = get("/health");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(r.body()))
                .isEqualTo(new JsonObject().put("status", "DOWN").put("error", "no report yet"));
    }

    @Test
    void metricsIsPrometheusTextOfTheService() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body())
                .contains("# TYPE videolb_config_generation gauge\n")
                .contains("videolb_config_generation{service=\"config-service\"} 42.0\n")
                .contains("videolb_build_info{service=\"config-service\",version=\"" + runtime.version() + "\"} 1\n");
    }
}
