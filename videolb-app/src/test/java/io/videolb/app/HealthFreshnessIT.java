package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.desired.Policy;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, "all health-services dead": the real health-service and the real agent (plan-only) on the
 * embedded broker. One server fails its probe (a closed loopback port) and its backup stands in; then the
 * health-service is stopped: within the bound the agent reports "health stale" in its published status
 * and keeps the substitution as it is (nothing failed, nothing restored); the health-service started again
 * (same checker id) makes the health fresh again and nothing flaps. Prints the figures (stop -> stale,
 * start -> fresh).
 */
class HealthFreshnessIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long STALE_MS = 2_000;
    static final Ipv4Address FAILED = Ipv4Address.parse("198.51.100.1");
    static final Ipv4Address BACKUP = Ipv4Address.parse("198.51.100.11");
    static final String SUBSTITUTION = FAILED + "->" + BACKUP;

    @TempDir
    Path tmp;

    final List<AgentStatus> statuses = new ArrayList<>();
    ServiceRuntime runtime;
    KafkaConsumer<String, String> statusConsumer;
    ServerSocket listening;

    @AfterEach
    void tearDown() throws Exception {
        if (runtime != null) runtime.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
        if (listening != null) listening.close();
    }

    static DesiredState cluster() {
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("192.0.2.10"),
                Ipv4Network.parse("203.0.113.0/24"),
                List.of(),
                300,
                new Fwmark(1),
                Scheduler.WLC);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(
                new Fwmark(1),
                new Pool(
                        new Fwmark(1),
                        Scheduler.WLC,
                        List.of(
                                new RealServer(FAILED, 1),
                                new RealServer(Ipv4Address.parse("198.51.100.2"), 1),
                                new RealServer(Ipv4Address.parse("198.51.100.3"), 1))));
        TreeMap<Ipv4Address, Ipv4Address> backups = new TreeMap<>();
        backups.put(FAILED, BACKUP);
        return new DesiredState(params, new TreeMap<>(), pools, backups);
    }

    static void publish(Topics topics, DesiredState s) {
        String id = "it-freshness-" + UUID.randomUUID().toString().substring(0, 8);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
                KafkaSettings.of(SharedBroker.bootstrapServers(), id).transactionalProducer(id))) {
            p.initTransactions();
            SortedMap<String, String> next = DesiredRecords.encode(s);
            p.beginTransaction();
            next.forEach((k, v) -> p.send(new ProducerRecord<>(topics.desired(), k, v)));
            p.send(new ProducerRecord<>(
                    topics.desired(),
                    DesiredRecords.GENERATION,
                    Json.write(new GenerationMarker(
                            1,
                            DesiredRecords.digest(next),
                            next.size(),
                            next.size(),
                            "it",
                            "it",
                            System.currentTimeMillis()))));
            p.commitTransaction();
        }
    }

    HealthService startHealth(Topics topics, int open, int closed) {
        return startHealth(runtime, topics, "hs-freshness-it", open, closed);
    }

    /**
     * The real health-service on {@code runtime}, TCP probes every 300 ms: {@link #FAILED} at the {@code closed}
     * loopback port, the other servers of {@link #cluster()} and {@code alsoUp} at the {@code open} one.
     */
    static HealthService startHealth(
            ServiceRuntime runtime, Topics topics, String checkerId, int open, int closed, Ipv4Address... alsoUp) {
        return startHealth(runtime, topics, checkerId, open, closed, Duration.ofMillis(500), alsoUp);
    }

    /** With {@code refresh} the interval at which every verdict is published again. */
    static HealthService startHealth(
            ServiceRuntime runtime,
            Topics topics,
            String checkerId,
            int open,
            int closed,
            Duration refresh,
            Ipv4Address... alsoUp) {
        Endpoint up = new Endpoint(Ipv4Address.parse("127.0.0.1"), open, open);
        Endpoint down = new Endpoint(Ipv4Address.parse("127.0.0.1"), closed, closed);
        Map<Ipv4Address, Endpoint> endpoints = new java.util.HashMap<>(Map.of(
                FAILED,
                down,
                Ipv4Address.parse("198.51.100.2"),
                up,
                Ipv4Address.parse("198.51.100.3"),
                up,
                BACKUP,
                up));
        for (Ipv4Address a : alsoUp) endpoints.put(a, up);
        HealthServiceSettings s = HealthServiceSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .checkerId(checkerId)
                .httpPort(0)
                .defaults(ProbeSettings.DEFAULT
                        .withLevel(ProbeLevel.TCP)
                        .withTiming(Duration.ofMillis(300), Duration.ofMillis(200), 1, 2, Duration.ZERO))
                .endpoints(endpoints)
                .refreshInterval(refresh)
                .heartbeat(Duration.ofMillis(200))
                .build();
        return runtime.deploy(new HealthService(s, runtime));
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

    /** The last value per key of {@code topic} (null: a tombstone), read from offset 0 to the end. */
    static Map<String, String> lastValues(String topic) {
        Map<String, String> last = new java.util.HashMap<>();
        try (KafkaConsumer<String, String> c =
                new KafkaConsumer<>(KafkaSettings.of(SharedBroker.bootstrapServers(), "it-health-read")
                        .stateConsumer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) last.put(r.key(), r.value());
            }
        }
        return last;
    }

    static boolean substituted(AgentStatus s) {
        return s.pools().size() == 1 && s.pools().get(0).substitutions().contains(SUBSTITUTION);
    }

    @Test
    void aStoppedHealthServiceMakesTheAgentReportStaleAndHoldAndARestartedOneResumesWithoutAFlap() throws Exception {
        Topics topics = SharedBroker.freshTopics("freshness");
        listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(
                () -> {
                    while (!listening.isClosed()) {
                        try (Socket s = listening.accept()) {
                            // accepted and closed: the TCP probe's connect succeeds
                        } catch (Exception e) {
                            return;
                        }
                    }
                },
                "it-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();

        statusConsumer = new KafkaConsumer<>(
                KafkaSettings.of(SharedBroker.bootstrapServers(), "it-status").stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus("it-freshness"), 0); // the agent's own topic
        runtime = ServiceRuntime.create();
        publish(topics, cluster());
        HealthService health = startHealth(topics, listening.getLocalPort(), closed);
        java.nio.file.Files.createDirectories(tmp.resolve("state"));
        runtime.deploy(new IpvsAgent(
                AgentSettings.builder()
                        .director("it-freshness")
                        .bootstrap(SharedBroker.bootstrapServers())
                        .topics(topics)
                        .policy(new Policy(0.5, 5_000, 0))
                        .sysctlRoot(tmp.resolve("sys"))
                        .stateDir(tmp.resolve("state"))
                        .ipvsRules(null)
                        .iptablesRules(null)
                        .ipsetRules(null)
                        .httpPort(-1)
                        .minInterval(Duration.ofMillis(50))
                        .resync(Duration.ofSeconds(60))
                        .planOnly(true)
                        .healthStale(Duration.ofMillis(STALE_MS))
                        .build(),
                runtime));
        statusConsumer.assign(List.of(tp));
        statusConsumer.seekToBeginning(List.of(tp));

        AgentStatus before = awaitStatus(
                "with " + SUBSTITUTION + " and fresh health",
                s -> substituted(s) && s.health() != null && !s.health().stale());
        assertThat(before.health().staleAfterMs()).isEqualTo(STALE_MS);
        assertThat(before.health().newestRefreshAgeMs()).isBetween(0L, STALE_MS);
        int fromSubstitution = statuses.indexOf(before);

        long stopAt = System.nanoTime();
        runtime.undeploy(health);
        long stoppedAt = System.nanoTime();
        AgentStatus stale =
                awaitStatus("stale", s -> s.health() != null && s.health().stale());
        long staleAfterMs = (System.nanoTime() - stopAt) / 1_000_000;
        System.out.printf(
                "FIGURE health-service stopped (stop took %d ms) -> agent status 'health stale': %d ms (bound %d ms):"
                        + " %s%n",
                (stoppedAt - stopAt) / 1_000_000,
                staleAfterMs,
                STALE_MS,
                stale.health().reason());
        assertThat(stale.health().reason()).contains("no health checker has refreshed");
        assertThat(staleAfterMs)
                .as("reported within the bound plus the last refresh's age and one check")
                .isLessThan(STALE_MS + 500 + 2_000);
        assertThat(substituted(stale))
                .as("held: the failed server stays replaced")
                .isTrue();
        assertThat(stale.pools().get(0).down()).containsExactly(FAILED.toString());

        Thread.sleep(2 * STALE_MS); // stale for a while: nothing changes
        long restartAt = System.nanoTime();
        startHealth(topics, listening.getLocalPort(), closed);
        AgentStatus fresh = awaitStatus(
                "fresh again", s -> s.health() != null && !s.health().stale());
        System.out.printf(
                "FIGURE health-service started again -> agent status fresh: %d ms%n",
                (System.nanoTime() - restartAt) / 1_000_000);
        Thread.sleep(2 * STALE_MS); // the restarted checker republishes its verdicts: no flap
        awaitStatus("still fresh", s -> s.health() != null && !s.health().stale());
        assertThat(substituted(fresh)).isTrue();
        assertThat(statuses.subList(fromSubstitution, statuses.size()))
                .as("from the first substitution on, through the stop and the restart, every status keeps it")
                .allSatisfy(s -> {
                    assertThat(substituted(s)).as("%s", s).isTrue();
                    assertThat(s.pools().get(0).down()).containsExactly(FAILED.toString());
                });
    }
}
