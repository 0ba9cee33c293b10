package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.settings.SettingsReader;
import io.videolb.testsupport.metrics.DashboardQueries;
import io.videolb.testsupport.metrics.MetricsDoc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana dashboard (deploy/grafana/videolb.json) and docs/metrics.md against a real scrape of
 * {@link StandaloneRuntime} in this JVM (its own embedded broker, the agent plan-only since this machine has no IPVS,
 * health-service probing closed ports): every metric a dashboard query names is exposed by one of the four services,
 * every family a service exposes is listed in docs/metrics.md under that service, and every listed family is exposed
 * unless the doc says when it is not. The kernel's series ({@code node_ipvs_*}) need IPVS: IpvsAgentVmIT checks the
 * dashboard's and the doc's against the real agent's scrape on a real kernel. Writes each scrape to
 * {@code target/metrics-scrape-SERVICE.txt}.
 */
class DashboardMetricsIT {
    @TempDir
    Path tmp;

    static Path repo() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("deploy/grafana/videolb.json"))) dir = dir.getParent();
        assertThat(dir).as("the repository root (deploy/grafana/videolb.json)").isNotNull();
        return dir;
    }

    @Test
    void everyDashboardQueryAndEveryDocumentedMetricIsInARealScrapeOfStandalone() throws Exception {
        Path config = Path.of(
                DashboardMetricsIT.class.getResource("/standalone-config").toURI());
        int httpPort = StandaloneProcessIT.freePortBlock(4);
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();
        StringBuilder endpoints = new StringBuilder();
        for (String s : List.of(
                "192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.21", "192.0.2.22", "192.0.2.24")) {
            endpoints
                    .append(endpoints.length() == 0 ? "" : ",")
                    .append(s)
                    .append("=127.0.0.1:")
                    .append(closed)
                    .append(':')
                    .append(closed);
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("config-service", httpPort);
        ports.put("ipvs-agent", httpPort + 1);
        ports.put("health-service", httpPort + 2);
        ports.put("alert-service", httpPort + 3);
        Map<String, String> scrapes = new LinkedHashMap<>();
        StandaloneRuntime standalone = new StandaloneRuntime(new StandaloneRuntime.Options(
                config,
                tmp.resolve("data"),
                httpPort,
                0,
                "videolb",
                AgentMode.PLAN_ONLY,
                SettingsReader.builder().environment(Map.of("VIDEOLB_HEALTH_ENDPOINTS", endpoints.toString()))));
        try {
            standalone.start();
            get(httpPort, "/api/v1/generation"); // an API request (401 without a token): the request histogram
            // the servers' verdicts (fall x interval on closed ports) and the agent's first reconcile runs
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (System.nanoTime() < end) {
                String h = get(httpPort + 2, "/metrics");
                String a = get(httpPort + 1, "/metrics");
                if (h.contains(
                                "videolb_health_server_verdict{server=\"192.0.2.11\",service=\"health-service\",verdict=\"down\"} 1")
                        && h.contains("videolb_health_transitions_total")
                        && a.contains("videolb_agent_reconcile_duration_seconds_count{service=\"ipvs-agent\"} ")
                        && !a.contains("videolb_agent_reconcile_duration_seconds_count{service=\"ipvs-agent\"} 0"))
                    break;
                Thread.sleep(500);
            }
            for (var e : ports.entrySet()) scrapes.put(e.getKey(), get(e.getValue(), "/metrics"));
        } finally {
            standalone.close();
        }
        Path target = Paths.get("target");
        Files.createDirectories(target);
        Set<String> exposed = new TreeSet<>();
        for (var e : scrapes.entrySet()) {
            Files.writeString(target.resolve("metrics-scrape-" + e.getKey() + ".txt"), e.getValue());
            exposed.addAll(DashboardQueries.exposedNames(e.getValue()));
        }

        String dashboard = Files.readString(repo().resolve("deploy/grafana/videolb.json"));
        assertThat(DashboardQueries.missing(dashboard, exposed, n -> !n.startsWith("node_ipvs_")))
                .as("dashboard queries naming a metric no service of standalone exposes (exposed: " + exposed + ")")
                .isEmpty();

        MetricsDoc doc = MetricsDoc.parse(Files.readString(repo().resolve("docs/metrics.md")));
        for (var e : scrapes.entrySet()) {
            String service = e.getKey();
            Set<String> families = MetricsDoc.families(e.getValue());
            assertThat(families).as(service + " exposes its series").isNotEmpty();
            assertThat(doc.names(service))
                    .as("docs/metrics.md lists every family " + service + " exposes")
                    .containsAll(families);
            assertThat(families)
                    .as("every family docs/metrics.md lists for " + service + " without a condition is exposed")
                    .containsAll(doc.unconditional(service));
        }
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .timeout(Duration.ofSeconds(20))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
