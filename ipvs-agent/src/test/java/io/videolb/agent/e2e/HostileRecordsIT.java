package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.e2e.TestPublisher.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.TestNetns;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.GenerationKeys;
import io.videolb.events.GenerationMarker;
import io.videolb.events.ReaderTrust;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "Must show": a corpus of hostile records written straight to the desired and health topics of a real
 * (embedded) broker, with a plain producer that anyone who can reach the broker has. The real agent (steering
 * applied for real by iptables/ipset in a private network namespace, IPVS plan-only as in {@link IpvsAgentKafkaIT})
 * verifies signed generations with config-service's key; the good generations come from config-service's real
 * {@link DesiredStatePublisher}. For every case: the kernel keeps exactly what it had (nothing of the case is
 * applied), the agent reports it (status {@code desiredRefused}, or its health-refused counter), keeps serving, and
 * applies the next good generation. Prints: cases tried, refused, crashes. Needs root; VIDEOLB_NETNS_TESTS=skip skips
 * loudly.
 */
class HostileRecordsIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final GenerationKeys.Key KEY = key(7);
    static final GenerationKeys.Key ATTACKER = key(9);
    final String ns = "vlb-h-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    Topics topics;
    DesiredStatePublisher config;
    KafkaProducer<String, String> hostile;
    TestPublisher health;
    KafkaConsumer<String, String> statusConsumer;
    final List<AgentStatus> statuses = new ArrayList<>();
    IpvsAgent agent;
    ServiceRuntime runtime;
    DesiredState good = cluster();
    int nextClient = 100;

    static GenerationKeys.Key key(int fill) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) fill);
        return GenerationKeys.Key.of(b);
    }

    @BeforeEach
    void setUp() {
        TestNetns.add(ns);
        topics = SharedBroker.freshTopics("hostile");
        String bootstrap = SharedBroker.bootstrapServers();
        GenerationKeys keys = GenerationKeys.of(KEY, List.of(), true);
        config = DesiredStatePublisher.start(
                KafkaSettings.of(bootstrap, "it-config-service"),
                topics,
                DesiredStatePublisher.defaultTransactionalId(topics),
                WAIT,
                keys);
        hostile = new KafkaProducer<>(KafkaSettings.of(bootstrap, "it-hostile").producer());
        health = new TestPublisher(bootstrap, topics);
        statusConsumer =
                new KafkaConsumer<>(KafkaSettings.of(bootstrap, "it-status").stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus("it-director"), 0); // the agent's own topic
        statusConsumer.assign(List.of(tp));
        statusConsumer.seekToBeginning(List.of(tp));
    }

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (config != null) config.close();
        if (hostile != null) hostile.close(Duration.ofSeconds(5));
        if (health != null) health.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
        TestNetns.delete(ns);
    }

    AgentSettings agentSettings() {
        ReaderTrust trust = new ReaderTrust(GenerationKeys.of(KEY, List.of(), true), 60_000);
        return AgentSettings.builder()
                .director("it-director")
                .kafka(KafkaConnection.plain(SharedBroker.bootstrapServers()).withTrust(trust))
                .topics(topics)
                .policy(new Policy(0.5, 5_000, 0))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(tmp.resolve("ipvsadm.rules"))
                .iptablesRules(tmp.resolve("rules.v4"))
                .ipsetRules(tmp.resolve("ipsets"))
                .httpHost("127.0.0.1")
                .httpPort(0)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .drainPoll(Duration.ofSeconds(1))
                .build();
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(200)))
                statuses.add(Json.read(r.value(), AgentStatus.class));
            if (!statuses.isEmpty() && p.test(statuses.get(statuses.size() - 1)))
                return statuses.get(statuses.size() - 1);
        }
        throw new AssertionError("no agent status " + what + " within " + WAIT + "; last: "
                + (statuses.isEmpty() ? "none" : statuses.get(statuses.size() - 1)));
    }

    static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) return;
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    /** The steering in the namespace's kernel: set members and mangle rules (without iptables-save's dated comments). */
    String kernel() {
        String all = TestNetns.sh(ns, "ipset", "save", "videolb-clients")
                + TestNetns.sh(ns, "iptables-save", "-t", "mangle");
        return all.lines().filter(l -> !l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** The next good change: one more client in mark 2, published by config-service. */
    long publishGood() {
        good = good.withClient(Ipv4Network.parse("203.0.113." + nextClient++), new Fwmark(2));
        PublishResult r = config.publish(good, "api", "it");
        assertThat(r).isInstanceOf(PublishResult.Published.class);
        return config.generation();
    }

    void send(String topic, String key, String value) throws Exception {
        hostile.send(new ProducerRecord<>(topic, key, value)).get();
    }

    /** The entity records a forger would write to turn {@code s} into the topic's state, and the marker's plain parts. */
    SortedMap<String, String> writeEntities(DesiredState s) throws Exception {
        SortedMap<String, String> after = DesiredRecords.encode(s);
        for (Map.Entry<String, String> e :
                DesiredRecords.diff(DesiredRecords.encode(good), after).entrySet())
            send(topics.desired(), e.getKey(), e.getValue());
        return after;
    }

    GenerationMarker plainMarker(SortedMap<String, String> records) {
        return new GenerationMarker(
                config.generation() + 1,
                DesiredRecords.digest(records),
                records.size(),
                1,
                "api",
                "mallory",
                System.currentTimeMillis());
    }

    /** What a hostile case writes; returns what the report must say. */
    interface Attack {
        String write() throws Exception;
    }

    @Test
    void noHostileRecordIsAppliedNorStopsTheAgentAndTheNextGoodGenerationIsApplied() throws Exception {
        long now = System.currentTimeMillis() * 1000;
        health.verdicts(
                null,
                List.of(
                        verdict("198.51.100.1", true, now),
                        verdict("198.51.100.2", true, now),
                        verdict("198.51.100.3", true, now)));
        long g1 = config.publish(good, "import:/it", "it") instanceof PublishResult.Published p ? p.generation() : -1;
        Files.createDirectories(tmp.resolve("state"));
        runtime = ServiceRuntime.create();
        agent = runtime.deploy(
                new IpvsAgent(agentSettings(), new Kernel(TestNetns.in(ns), Tools.DEFAULT, Names.DEFAULT), runtime));
        awaitStatus("generation " + g1, st -> st.appliedGeneration() == g1);
        assertThat(kernel()).contains("add videolb-clients 203.0.113.10 skbmark 0x2");

        // a takeover of client 203.0.113.10 by a pool at a foreign mark (4242) with the attacker's server
        DesiredState takeover = good.withPool(
                        new Fwmark(4242),
                        new Pool(
                                new Fwmark(4242),
                                Scheduler.RR,
                                List.of(RealServer.of(Ipv4Address.parse("198.51.100.66")))))
                .withClient(Ipv4Network.parse("203.0.113.10"), new Fwmark(4242));
        Map<String, Attack> corpus = new LinkedHashMap<>();
        corpus.put("forged marker with a valid plain digest", () -> {
            SortedMap<String, String> r = writeEntities(takeover);
            GenerationMarker m = plainMarker(r);
            send(topics.desired(), DesiredRecords.GENERATION, Json.write(m.signed(KEY.id(), m.digest())));
            return "wrong signature";
        });
        corpus.put("unsigned generation", () -> {
            SortedMap<String, String> r = writeEntities(takeover);
            send(topics.desired(), DesiredRecords.GENERATION, Json.write(plainMarker(r)));
            return "not signed";
        });
        corpus.put("wrong key id (signed with the attacker's own key)", () -> {
            SortedMap<String, String> r = writeEntities(takeover);
            GenerationMarker m = GenerationKeys.of(ATTACKER, List.of(), true).sign(plainMarker(r), r);
            send(topics.desired(), DesiredRecords.GENERATION, Json.write(m));
            return "unknown key id";
        });
        corpus.put("oversized record", () -> {
            send(topics.desired(), "client/203.0.113.10", "{\"pad\":\"" + "x".repeat(300 * 1024) + "\"}");
            return "over the limit";
        });
        corpus.put("malformed JSON (record and marker)", () -> {
            send(topics.desired(), "pool/2", "{\"mark\": 2, \"servers\": [");
            send(topics.desired(), DesiredRecords.GENERATION, "{\"generation\": ");
            return "unreadable generation marker";
        });
        corpus.put("a validly signed generation that breaks a validation rule (a server is the VIP)", () -> {
            DesiredState breaks = good.withPool(
                    new Fwmark(2),
                    new Pool(
                            new Fwmark(2),
                            Scheduler.RR,
                            List.of(RealServer.of(good.params().vip()))));
            SortedMap<String, String> r = writeEntities(breaks);
            send(
                    topics.desired(),
                    DesiredRecords.GENERATION,
                    Json.write(GenerationKeys.of(KEY, List.of(), true).sign(plainMarker(r), r)));
            return "validation rule";
        });
        corpus.put("foreign fwmark takeover with a forged signature", () -> {
            SortedMap<String, String> r = writeEntities(takeover);
            GenerationMarker m = plainMarker(r);
            String sig = GenerationKeys.of(ATTACKER, List.of(), true).sign(m, r).signature();
            send(topics.desired(), DesiredRecords.GENERATION, Json.write(m.signed(KEY.id(), sig)));
            return "wrong signature";
        });
        corpus.put("a stray record under an unknown key", () -> {
            send(topics.desired(), "evil/1", "{}");
            return "not a desired-state key";
        });

        int tried = 0;
        int refused = 0;
        int crashes = 0;
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Attack> c : corpus.entrySet()) {
            tried++;
            String name = c.getKey();
            try {
                String kernelBefore = kernel();
                long appliedBefore = awaitStatus("settled", st -> true).appliedGeneration();
                String expected = c.getValue().write();
                AgentStatus reported = awaitStatus(
                        "reporting " + name,
                        st -> st.desiredRefused() != null && st.desiredRefused().contains(expected));
                assertThat(reported.appliedGeneration()).as(name).isEqualTo(appliedBefore);
                // every case writes entity records: config-service's reader must have them before its next publish
                await("config-service's reader saw " + name, () -> config.pendingStrays() > 0);
                Thread.sleep(300); // a run that would apply something has had its chance
                assertThat(kernel()).as("%s: nothing applied", name).isEqualTo(kernelBefore);
                assertThat(kernel()).doesNotContain("0x1092").doesNotContain("198.51.100.66");
                refused++;
                long g = publishGood();
                String client = "203.0.113." + (nextClient - 1);
                AgentStatus after = awaitStatus(
                        "next good generation " + g + " after " + name,
                        st -> st.appliedGeneration() == g && st.desiredRefused() == null);
                assertThat(kernel())
                        .as(name)
                        .contains("add videolb-clients " + client + " skbmark 0x2")
                        .contains("add videolb-clients 203.0.113.10 skbmark 0x2");
                assertThat(after.errors()).noneMatch(e -> !e.startsWith("plan-only"));
            } catch (Throwable t) {
                crashes++;
                failures.add(name + ": " + t);
                publishGood(); // the next case starts from a good generation again
            }
        }

        // health: a verdict with sequence Long.MAX_VALUE (DOWN) would pin 198.51.100.3 down for good
        tried++;
        try {
            long refusedBefore = agent.metrics().healthRefusedTotal();
            health.verdicts(null, List.of(verdict("198.51.100.3", false, Long.MAX_VALUE)));
            await("health record refused", () -> agent.metrics().healthRefusedTotal() > refusedBefore);
            long t0 = System.currentTimeMillis();
            agent.resyncNow();
            AgentStatus st = awaitStatus("a run after the pinned verdict", s -> s.lastRunAtMs() >= t0);
            assertThat(st.pools()).allSatisfy(p -> assertThat(p.down()).doesNotContain("198.51.100.3"));
            refused++;
            // the next real verdicts (sequences from the clock) are applied: down, then up again
            health.verdicts(null, List.of(verdict("198.51.100.3", false, System.currentTimeMillis() * 1000)));
            awaitStatus(
                    "198.51.100.3 down",
                    s -> s.pools().stream().anyMatch(p -> p.down().contains("198.51.100.3")));
            health.verdicts(null, List.of(verdict("198.51.100.3", true, System.currentTimeMillis() * 1000)));
            awaitStatus(
                    "198.51.100.3 up",
                    s -> s.pools().stream().noneMatch(p -> p.down().contains("198.51.100.3")));
        } catch (Throwable t) {
            crashes++;
            failures.add("health sequence Long.MAX_VALUE: " + t);
        }

        System.out.printf(
                "hostile records: cases tried %d, refused %d, applied from them 0, crashes %d; desired generations"
                        + " refused by the agent %d%n",
                tried, refused, crashes, agent.metrics().desiredRefusedTotal());
        assertThat(failures).isEmpty();
        assertThat(refused).isEqualTo(tried);
        assertThat(crashes).isZero();
        assertThat(DesiredStateFolder.MAX_RECORD_CHARS).isLessThan(300 * 1024);
    }
}
