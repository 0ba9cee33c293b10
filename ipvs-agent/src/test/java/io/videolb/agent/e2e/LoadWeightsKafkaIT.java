package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.ServerStreams;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load-fed weights (issue 16) end to end with real parts: the real {@link IpvsAgent} (plan-only: this host has no
 * IPVS) reads the desired state and {@code inventory/IP} records from the embedded broker (SharedBroker), as
 * health-service publishes them, and publishes its status. Viewer counts change: the weight of the server follows
 * them in the status, the plan and {@code /metrics}, holds while the load oscillates within the hysteresis, and a
 * change that comes too soon after the previous one waits for the least interval. The in-place {@code ipvsadm -e} edit
 * itself is checked against a kernel holding the service in {@code LoadWeigherTest} (no IPVS here).
 */
class LoadWeightsKafkaIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String A = "198.51.100.1";
    static final String B = "198.51.100.2";
    static final long MIN_INTERVAL_MS = 4000;

    @TempDir
    Path tmp;

    Topics topics;
    TestPublisher pub;
    KafkaConsumer<String, String> statusConsumer;
    final List<AgentStatus> statuses = new ArrayList<>();
    IpvsAgent agent;
    ServiceRuntime runtime;
    long sequence = System.currentTimeMillis() * 1000;

    @BeforeEach
    void setUp() {
        topics = SharedBroker.freshTopics("agent-weights");
        pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
        statusConsumer = new KafkaConsumer<>(
                KafkaSettings.of(SharedBroker.bootstrapServers(), "it-status").stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus("it-weights"), 0); // the agent's own topic
        statusConsumer.assign(List.of(tp));
        statusConsumer.seekToBeginning(List.of(tp));
    }

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (pub != null) pub.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
    }

    IpvsAgent startAgent() throws Exception {
        Files.createDirectories(tmp.resolve("state"));
        AgentSettings config = AgentSettings.builder()
                .director("it-weights")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .policy(new Policy(0.5, 5_000, 0))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .planOnly(true)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .drainPoll(Duration.ofMillis(500))
                .loadWeights(new LoadWeightSettings(
                        Map.of(
                                new Fwmark(1),
                                new LoadWeightSettings.PoolLoad(LoadWeightSettings.Basis.VIEWERS, 1000, Map.of())),
                        10,
                        MIN_INTERVAL_MS))
                .build();
        runtime = ServiceRuntime.create();
        agent = runtime.deploy(new IpvsAgent(config, runtime));
        return agent;
    }

    /** One inventory record as health-service publishes it: the viewers spread over two streams. */
    void viewers(String server, int viewers) {
        ServerStreams s = new ServerStreams(
                Ipv4Address.parse(server),
                true,
                "",
                List.of(
                        new ServerStreams.Stream("live", "cam1", true, viewers / 2, 800_000L * (viewers / 2)),
                        new ServerStreams.Stream("live", "cam2", true, viewers - viewers / 2, 0)),
                800_000L * viewers,
                "it-checker",
                ++sequence,
                System.currentTimeMillis());
        pub.raw(topics.health(), Map.of(s.key(), Json.write(s)));
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(100)))
                statuses.add(Json.read(r.value(), AgentStatus.class));
            if (!statuses.isEmpty() && p.test(statuses.get(statuses.size() - 1)))
                return statuses.get(statuses.size() - 1);
        }
        throw new AssertionError("no agent status " + what + " within " + WAIT + "; last: "
                + (statuses.isEmpty() ? "none" : statuses.get(statuses.size() - 1)));
    }

    static AgentStatus.LoadWeight row(AgentStatus s, String server) {
        return s.pools().stream()
                .filter(p -> p.mark() == 1)
                .flatMap(p -> p.loadWeights().stream())
                .filter(w -> w.server().equals(server))
                .findFirst()
                .orElse(null);
    }

    static Predicate<AgentStatus> weight(String server, int w) {
        return s -> row(s, server) != null && row(s, server).weight() == w;
    }

    @Test
    void weightsFollowViewersHoldUnderHysteresisAndWaitForTheLeastInterval() throws Exception {
        pub.publish(cluster()); // pool 1: 198.51.100.1 and .2 at weight 1; pool 2 keeps its configured weights
        viewers(A, 0);
        viewers(B, 0);
        startAgent();
        AgentStatus s0 = awaitStatus("both at full weight", weight(A, 100).and(weight(B, 100)));
        assertThat(s0.mode()).isEqualTo("plan-only");
        assertThat(s0.pools())
                .filteredOn(p -> p.mark() == 2)
                .allSatisfy(p -> assertThat(p.loadWeights()).isEmpty());

        // viewers join A: 500 of 1000 -> weight 50 (the inventory record alone asks for the run)
        long t1 = System.nanoTime();
        viewers(A, 500);
        AgentStatus s1 = awaitStatus("A at 50", weight(A, 50));
        long moveMs = (System.nanoTime() - t1) / 1_000_000;
        assertThat(row(s1, A))
                .isEqualTo(new AgentStatus.LoadWeight(A, "viewers", 500, 1000, 50, 50, "changed from 100"));
        assertThat(row(s1, B).weight()).isEqualTo(100);
        assertThat(s1.pools().stream()
                        .filter(p -> p.mark() == 1)
                        .findFirst()
                        .orElseThrow()
                        .inService())
                .contains(A + ":50", B + ":100");
        assertThat(agent.lastRun().orElseThrow().notApplied())
                .as("the plan carries the weight")
                .contains("add real server " + A + " to fwmark 1 (DR, weight 50)");

        // the load oscillates within +-8 % for 3 s: the weight never moves (each status of that time says 50)
        int before = statuses.size();
        for (int i = 0; i < 6; i++) {
            viewers(A, i % 2 == 0 ? 540 : 460);
            Thread.sleep(500);
        }
        viewers(B, 0); // a record for B after A's last: once its run is seen, every A record before it was read
        long runs = agent.metrics().runs();
        agent.resyncNow();
        IpvsAgentKafkaIT.await(
                "a run after the oscillation", () -> agent.metrics().runs() > runs);
        AgentStatus held = awaitStatus(
                "a status after the oscillation",
                st -> row(st, A) != null && row(st, A).load() != 500);
        assertThat(statuses.subList(before, statuses.size()))
                .allSatisfy(st -> assertThat(row(st, A).weight()).isEqualTo(50));
        assertThat(row(held, A).note()).isEqualTo("held: within 10 % of 50");

        // a real rise: 900 viewers -> 10 (more than MIN_INTERVAL_MS after the last change) ...
        Thread.sleep(Math.max(0, MIN_INTERVAL_MS - (System.nanoTime() - t1) / 1_000_000 + 200));
        viewers(A, 900);
        AgentStatus s2 = awaitStatus("A at 10", weight(A, 10));
        long changedAt = System.nanoTime();
        // ... and at once a fall to 100 viewers: held by the least interval, then applied by the loop's poll
        viewers(A, 100);
        AgentStatus wait = awaitStatus(
                "A's change held", st -> row(st, A) != null && row(st, A).note().startsWith("held: next change in"));
        assertThat(row(wait, A).weight()).isEqualTo(10);
        assertThat(row(wait, A).target()).isEqualTo(90);
        AgentStatus s3 = awaitStatus("A at 90", weight(A, 90));
        long heldMs = s3.lastRunAtMs() - s2.lastRunAtMs(); // the runs' own clock: the one the interval is kept on
        assertThat(heldMs).as("not before the least interval").isGreaterThanOrEqualTo(MIN_INTERVAL_MS);
        assertThat((System.nanoTime() - changedAt) / 1_000_000)
                .as("polled, not left to the resync")
                .isLessThan(20_000);
        assertThat(row(s3, A).note()).isEqualTo("changed from 10");
        assertThat(row(s2, A).load()).isEqualTo(900);

        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/metrics"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body())
                .contains("videolb_agent_load_weight{pool=\"1\",server=\"198.51.100.1\",service=\"ipvs-agent\"} 90.0")
                .contains("videolb_agent_load_weight{pool=\"1\",server=\"198.51.100.2\",service=\"ipvs-agent\"} 100.0")
                .contains("videolb_agent_load_weight_changes_total{service=\"ipvs-agent\"} 3.0")
                .doesNotContain("videolb_agent_load_weight{pool=\"2\"");
        System.out.printf(
                "LoadWeightsKafkaIT: inventory published -> weight in the status %d ms; held change applied %d ms after"
                        + " the previous (least interval %d ms)%n",
                moveMs, heldMs, MIN_INTERVAL_MS);
    }
}
