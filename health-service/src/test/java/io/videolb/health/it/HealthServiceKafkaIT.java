package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.HealthTopic;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole service against the embedded broker: desired state in, verdicts out, work shared by two instances. */
class HealthServiceKafkaIT {
    static final Ipv4Address GOOD = Ipv4Address.parse("198.51.100.1");
    static final Ipv4Address HUNG = Ipv4Address.parse("198.51.100.2");
    static final Ipv4Address WRONG = Ipv4Address.parse("198.51.100.3");
    static final Ipv4Address GOOD2 = Ipv4Address.parse("198.51.100.4");

    Vertx vertx;
    final Map<Ipv4Address, FakeVideoServer> fakes = new HashMap<>();
    /** Each instance in its own runtime, as in its own process. */
    final Map<HealthService, ServiceRuntime> processes = new HashMap<>();

    String bootstrap;
    Topics topics;
    HealthServiceSettings base;

    @BeforeEach
    void setUp() throws Exception {
        bootstrap = SharedBroker.bootstrapServers();
        topics = SharedBroker.freshTopics("health-svc");
        vertx = Vertx.vertx();
        Map<Ipv4Address, Endpoint> eps = new HashMap<>();
        for (Ipv4Address a : List.of(GOOD, HUNG, WRONG, GOOD2)) {
            FakeVideoServer f = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
            fakes.put(a, f);
            eps.put(a, new Endpoint(Ipv4Address.parse("127.0.0.1"), f.rtmpPort(), f.httpPort()));
        }
        fakes.get(HUNG).rtmp = FakeVideoServer.Rtmp.SILENT;
        fakes.get(WRONG).rtmp = FakeVideoServer.Rtmp.WRONG_ECHO;
        ProbeSettings s = ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.RTMP)
                .withTiming(Duration.ofMillis(300), Duration.ofMillis(250), 2, 2, Duration.ZERO);
        base = HealthServiceSettings.builder()
                .bootstrap(bootstrap)
                .topics(topics)
                .defaults(s)
                .endpoints(eps)
                .refreshInterval(Duration.ofSeconds(2))
                .sessionTimeout(Duration.ofSeconds(6))
                .build();
        // pool 1: GOOD, HUNG; pool 2: WRONG; GOOD2 is only a backup (backups are probed too)
        HealthTopic.publishDesired(
                bootstrap,
                topics,
                HealthTopic.state(
                        Map.of(1L, List.of(GOOD.toString(), HUNG.toString()), 2L, List.of(WRONG.toString())),
                        Map.of(GOOD.toString(), GOOD2.toString())),
                1);
    }

    @AfterEach
    void tearDown() {
        processes.values().forEach(ServiceRuntime::close);
        fakes.values().forEach(FakeVideoServer::close);
        vertx.close().await();
    }

    HealthService start(String id) throws Exception {
        ServiceRuntime runtime = ServiceRuntime.create();
        HealthService hs =
                new HealthService(base.toBuilder().checkerId(id).httpPort(0).build(), runtime);
        processes.put(hs, runtime);
        return runtime.deploy(hs);
    }

    @Test
    void shouldPublishTheRightVerdictForEveryServerAndBackupWithIncreasingSequences() throws Exception {
        HealthService a = start("checker-a");
        awaitTopic(v -> latest().size() == 4 && up(GOOD) && up(GOOD2) && down(HUNG) && down(WRONG), 20_000);
        Map<Ipv4Address, HealthVerdict> last = latest();
        assertThat(last.get(HUNG).reason()).contains("no RTMP handshake reply");
        assertThat(last.get(WRONG).reason()).contains("neither echoes C1");
        assertThat(last.get(HUNG).level()).isEqualTo(ProbeLevel.RTMP);
        assertThat(last.values()).allMatch(v -> v.checkerId().equals("checker-a"));

        // refreshes arrive too (refresh interval 2 s); read back, every server's sequences strictly increase
        Thread.sleep(2_500);
        List<HealthVerdict> all = HealthTopic.readVerdicts(bootstrap, topics);
        Map<Ipv4Address, Long> prev = new HashMap<>();
        for (HealthVerdict v : all) {
            Long p = prev.put(v.server(), v.sequence());
            if (p != null)
                assertThat(v.sequence()).as("sequence of %s", v.server()).isGreaterThan(p);
        }
        assertThat(all.stream().filter(v -> v.server().equals(GOOD)).count()).isGreaterThanOrEqualTo(2);

        // a consumer fed duplicates and older events keeps only the newest
        HealthTopicView view = new HealthTopicView();
        List<HealthVerdict> shuffled = new ArrayList<>(all);
        shuffled.addAll(all);
        Collections.shuffle(shuffled);
        int accepted = 0;
        for (HealthVerdict v : all)
            if (view.apply(new HealthRecord.ServerVerdict(v)) == HealthTopicView.Effect.CHANGED) accepted++;
        assertThat(accepted).isEqualTo(all.size());
        for (HealthVerdict v : shuffled) {
            assertThat(view.apply(new HealthRecord.ServerVerdict(v)))
                    .as("duplicate or older %s", v)
                    .isEqualTo(HealthTopicView.Effect.UNCHANGED);
        }
        Map<Ipv4Address, HealthVerdict> newest = new HashMap<>();
        for (HealthVerdict v : all) newest.merge(v.server(), v, (x, y) -> y.sequence() > x.sequence() ? y : x);
        assertThat(view.verdicts()).isEqualTo(newest);

        // /health and /metrics
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort() + "/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"").contains("\"ownedPartitions\":[0,1,2]");
        String metrics = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("videolb_health_probe_seconds_bucket{level=\"rtmp\"")
                .contains("videolb_health_probe_step_seconds_bucket{level=\"rtmp\",outcome=\"fail\"")
                .contains("videolb_health_servers{service=\"health-service\",verdict=\"up\"} 2.0")
                .contains("videolb_build_info{service=\"health-service\",version=\"")
                .containsPattern("videolb_health_published_total\\{service=\"health-service\"} [1-9][0-9]*\\.0");
    }

    @Test
    void shouldShareTheServersBetweenTwoInstancesAndHandThemOverWhenOneStops() throws Exception {
        HealthService a = start("checker-a");
        awaitTopic(v -> latest().size() == 4, 20_000);
        HealthService b = start("checker-b");
        // the group splits the 3 partitions: each owns some, none twice
        await(
                () -> !a.ownedPartitions().isEmpty()
                        && !b.ownedPartitions().isEmpty()
                        && union(a.ownedPartitions(), b.ownedPartitions()).size() == 3
                        && a.ownedPartitions().size() + b.ownedPartitions().size() == 3,
                30_000,
                "partitions split between a and b");
        assertThat(a.probedServers() + b.probedServers()).isEqualTo(4);

        long beforeStop = HealthTopic.readVerdicts(bootstrap, topics).stream()
                .mapToLong(HealthVerdict::sequence)
                .max()
                .orElseThrow();
        processes.get(a).close();
        await(() -> b.ownedPartitions().size() == 3, 30_000, "b owns all partitions after a stopped");
        await(() -> b.probedServers() == 4, 5_000, "b probes all 4 servers");

        // b now notices a change on any server, including those a used to probe
        for (Ipv4Address s : List.of(GOOD, GOOD2)) fakes.get(s).rtmp = FakeVideoServer.Rtmp.CLOSE;
        awaitTopic(v -> down(GOOD) && down(GOOD2), 15_000);
        for (Ipv4Address s : List.of(GOOD, GOOD2)) {
            HealthVerdict v = latest().get(s);
            assertThat(v.checkerId()).isEqualTo("checker-b");
            assertThat(v.sequence()).isGreaterThan(beforeStop);
        }
        List<HealthVerdict> all = HealthTopic.readVerdicts(bootstrap, topics);
        Map<Ipv4Address, Long> prev = new HashMap<>();
        for (HealthVerdict v : all) {
            Long p = prev.put(v.server(), v.sequence());
            if (p != null)
                assertThat(v.sequence())
                        .as("sequence of %s across instances", v.server())
                        .isGreaterThan(p);
        }
    }

    static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        Set<Integer> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    Map<Ipv4Address, HealthVerdict> latest() {
        HealthTopicView v = new HealthTopicView();
        HealthTopic.readVerdicts(bootstrap, topics)
                .forEach(verdict -> v.apply(new HealthRecord.ServerVerdict(verdict)));
        return Map.copyOf(v.verdicts());
    }

    boolean up(Ipv4Address a) {
        HealthVerdict v = latest().get(a);
        return v != null && v.verdict() == Verdict.UP;
    }

    boolean down(Ipv4Address a) {
        HealthVerdict v = latest().get(a);
        return v != null && v.verdict() == Verdict.DOWN;
    }

    void awaitTopic(Predicate<Void> cond, long timeoutMs) throws InterruptedException {
        await(() -> cond.test(null), timeoutMs, "health topic condition; topic holds " + latest());
    }

    static void await(java.util.function.BooleanSupplier cond, long timeoutMs, String what)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (cond.getAsBoolean()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
    }
}
