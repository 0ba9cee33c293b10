package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.settings.SettingsReader;
import io.videolb.testsupport.metrics.DashboardQueries;
import io.videolb.testsupport.metrics.MetricsDoc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StandaloneRuntime} in this JVM (its own embedded broker, the agent plan-only, health-service probing closed
 * ports), started once for both tests of the class (one start less for CI than a class each):
 *
 * <ul>
 *   <li>all four services run on exactly one Vert.x instance, and each one's {@code /metrics} is valid Prometheus text
 *       by the reference parser (python3-prometheus-client), with {@code videolb_build_info} and the service's own
 *       series, and only those;
 *   <li>the Grafana dashboard (deploy/grafana/videolb.json) and docs/metrics.md against a real scrape: every metric a
 *       dashboard query names is exposed by one of the four services, every family a service exposes is listed in
 *       docs/metrics.md under that service, and every listed family is exposed unless the doc says when it is not.
 *       The kernel's series ({@code node_ipvs_*}) need IPVS: IpvsAgentVmIT checks the dashboard's and the doc's
 *       against the real agent's scrape on a real kernel. Writes each scrape to {@code target/metrics-scrape-SERVICE.txt}.
 * </ul>
 */
class OneRuntimeIT {
    /** One per Vert.x instance: its blocked-thread checker's timer thread lives exactly as long as the instance. */
    static final String VERTX_CHECKER_THREAD = "vertx-blocked-thread-checker";

    @TempDir
    static Path tmp;

    private static long before;
    private static int httpPort;
    private static StandaloneRuntime standalone;

    @BeforeAll
    static void startStandalone() throws Exception {
        Path config =
                Path.of(OneRuntimeIT.class.getResource("/standalone-config").toURI());
        httpPort = StandaloneProcessIT.freePortBlock(4);
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
        before = vertxInstances();
        standalone = new StandaloneRuntime(new StandaloneRuntime.Options(
                config,
                tmp.resolve("data"),
                httpPort,
                0,
                "videolb",
                AgentMode.PLAN_ONLY,
                SettingsReader.builder().environment(Map.of("VIDEOLB_HEALTH_ENDPOINTS", endpoints.toString()))));
        try {
            standalone.start();
        } catch (Exception | Error e) {
            standalone.close();
            throw e;
        }
    }

    @AfterAll
    static void stopStandalone() {
        if (standalone != null) standalone.close();
        assertThat(vertxInstances()).as("closed with the runtime").isEqualTo(before);
    }

    static Path repo() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("deploy/grafana/videolb.json"))) dir = dir.getParent();
        assertThat(dir).as("the repository root (deploy/grafana/videolb.json)").isNotNull();
        return dir;
    }

    static long vertxInstances() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().equals(VERTX_CHECKER_THREAD))
                .count();
    }

    @Test
    void standaloneRunsOneVertxAndEveryServiceServesItsOwnParseableMetrics() throws Exception {
        {
            assertThat(standalone.serviceNames())
                    .containsExactly("config-service", "health-service", "ipvs-agent", "alert-service");
            assertThat(vertxInstances())
                    .as("Vert.x instances started by standalone (four services)")
                    .isEqualTo(before + 1);

            Map<String, Integer> ports = new LinkedHashMap<>();
            ports.put("config-service", httpPort);
            ports.put("ipvs-agent", httpPort + 1);
            ports.put("health-service", httpPort + 2);
            ports.put("alert-service", httpPort + 3);
            Map<String, String> ownFamily = Map.of(
                    "config-service",
                    "videolb_config_generation",
                    "ipvs-agent",
                    "videolb_agent_mode",
                    "health-service",
                    "videolb_health_servers",
                    "alert-service",
                    "videolb_alert_caught_up");
            String version = standalone.serviceRuntime().version();
            for (var e : ports.entrySet()) {
                String service = e.getKey();
                HttpResponse<String> r = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.getValue() + "/metrics"))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(service).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type"))
                        .as(service)
                        .hasValue("text/plain; version=0.0.4; charset=utf-8");
                JsonArray families = parse(r.body());
                List<String> names = new ArrayList<>();
                for (Object f : families) names.add(((JsonObject) f).getString("name"));
                assertThat(names).as(service).contains("videolb_build_info", ownFamily.get(service));
                JsonObject build = samples(families, "videolb_build_info").get(0);
                assertThat(build.getJsonObject("labels").getMap())
                        .as(service)
                        .containsEntry("service", service)
                        .containsEntry("version", version);
                assertThat(build.getString("value")).isEqualTo("1.0");
                for (Object f : families) {
                    for (Object s : ((JsonObject) f).getJsonArray("samples")) {
                        assertThat(((JsonObject) s).getJsonObject("labels").getString("service"))
                                .as(service + ": " + s)
                                .isEqualTo(service);
                    }
                }
            }
            assertThat(samples(parse(scrape(httpPort + 1)), "videolb_agent_mode")
                            .get(0)
                            .getJsonObject("labels")
                            .getString("mode"))
                    .isEqualTo("plan-only");
            assertThat(Double.parseDouble(samples(parse(scrape(httpPort)), "videolb_config_generation")
                            .get(0)
                            .getString("value")))
                    .as("the example was imported")
                    .isGreaterThanOrEqualTo(1.0);
            // issue 13: standalone created its generation key (0600), signs, and its agent accepts what it signs
            java.nio.file.Path key = tmp.resolve("data").resolve(StandaloneRuntime.GENERATION_KEY_FILE);
            assertThat(java.nio.file.Files.getPosixFilePermissions(key))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            double agentGeneration = 0;
            while (agentGeneration < 1 && System.nanoTime() < end) {
                agentGeneration =
                        Double.parseDouble(samples(parse(scrape(httpPort + 1)), "videolb_agent_desired_generation")
                                .get(0)
                                .getString("value"));
                if (agentGeneration < 1) Thread.sleep(200);
            }
            assertThat(agentGeneration)
                    .as("the agent accepted the signed generation")
                    .isGreaterThanOrEqualTo(1.0);
            String agentMetrics = scrape(httpPort + 1);
            assertThat(agentMetrics.lines())
                    .as("no generation refused")
                    .anyMatch(l -> l.matches("videolb_agent_desired_generations_refused_total\\{.*\\} 0(\\.0)?"));
        }
    }

    @Test
    void everyDashboardQueryAndEveryDocumentedMetricIsInARealScrapeOfStandalone() throws Exception {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("config-service", httpPort);
        ports.put("ipvs-agent", httpPort + 1);
        ports.put("health-service", httpPort + 2);
        ports.put("alert-service", httpPort + 3);
        Map<String, String> scrapes = new LinkedHashMap<>();
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
                    && !a.contains("videolb_agent_reconcile_duration_seconds_count{service=\"ipvs-agent\"} 0")) break;
            Thread.sleep(500);
        }
        for (var e : ports.entrySet()) scrapes.put(e.getKey(), get(e.getValue(), "/metrics"));

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

    private static String scrape(int port) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static List<JsonObject> samples(JsonArray families, String name) {
        List<JsonObject> out = new ArrayList<>();
        for (Object f : families) {
            JsonObject family = (JsonObject) f;
            if (family.getString("name").equals(name))
                family.getJsonArray("samples").forEach(s -> out.add((JsonObject) s));
        }
        assertThat(out).as("samples of " + name).isNotEmpty();
        return out;
    }

    /** The families of {@code exposition} as parsed by prometheus_client's own parser (a real one, not a pattern). */
    private JsonArray parse(String exposition) throws Exception {
        Path script = tmp.resolve("parse_metrics.py");
        if (!Files.exists(script)) {
            try (var in = OneRuntimeIT.class.getResourceAsStream("parse_metrics.py")) {
                Files.write(script, in.readAllBytes());
            }
        }
        // Debian's python (where apt puts python3-prometheus-client), not a python first on PATH (pyenv, venv)
        String python = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
        Process p = new ProcessBuilder(python, script.toString()).start();
        p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("prometheus_client's parser (apt: python3-prometheus-client) on:\n" + exposition + "\n" + err)
                .isZero();
        return new JsonArray(out);
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
