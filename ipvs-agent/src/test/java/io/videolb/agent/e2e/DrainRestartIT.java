package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.events.AgentStatus;
import io.videolb.events.AgentStatus.DrainStatus;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: the drain of a removed pool keeps its deadline across an agent restart. The real {@link IpvsAgent} (its
 * Kafka readers, reconcile loop, state directory and status publisher) against the embedded broker, restarted as a
 * verticle (a new instance on a new runtime, as a process restart builds it); the kernel is test-support's
 * {@link FakeKernel}, which parses the ipvsadm payloads, because this host has no IPVS (the real kernel's drains are
 * {@code IpvsAgentVmIT}'s). Before the change the restarted agent began a new drain with a new deadline.
 */
class DrainRestartIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long DRAIN_MS = 6_000;

    @TempDir
    Path tmp;

    final FakeKernel fk = new FakeKernel();
    final List<AgentStatus> statuses = new ArrayList<>();
    Topics topics;
    KafkaConsumer<String, String> statusConsumer;
    ServiceRuntime runtime;

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
    }

    AgentSettings config() {
        return AgentSettings.builder()
                .director("it-drain-restart")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .policy(new Policy(0.5, DRAIN_MS, 0))
                .procRoot(tmp.resolve("proc"))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .httpPort(-1)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .drainPoll(Duration.ofMillis(200))
                .build();
    }

    void startAgent() throws Exception {
        runtime = ServiceRuntime.create();
        runtime.deploy(new IpvsAgent(config(), new Kernel(fk, Tools.DEFAULT, Names.DEFAULT), runtime));
    }

    @Test
    void aRemovedPoolsDrainKeepsItsDeadlineWhenTheAgentRestartsMidDrain() throws Exception {
        topics = SharedBroker.freshTopics("drain-restart");
        Files.createDirectories(tmp.resolve("proc/net"));
        Files.writeString(tmp.resolve("proc/net/ip_vs"), ""); // IPVS present: the fake kernel answers ipvsadm
        Files.createDirectories(tmp.resolve("state"));
        statusConsumer = new KafkaConsumer<>(KafkaSettings.of(SharedBroker.bootstrapServers(), "it-drain-status")
                .stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus("it-drain-restart"), 0); // the agent's own topic
        try (TestPublisher pub = new TestPublisher(SharedBroker.bootstrapServers(), topics)) {
            pub.publish(cluster());
            startAgent();
            awaitStatus("generation 1 applied", s -> s.appliedGeneration() == 1, tp);
            assertThat(fk.services).containsKey(2L);

            fk.connections(2, "198.51.100.3", 3, 0); // viewers on the pool about to be removed
            DesiredState without = cluster()
                    .withClient(Ipv4Network.parse("203.0.113.10"), null)
                    .withPool(new Fwmark(2), null)
                    .withBackup(ip("198.51.100.3"), null);
            long g2 = pub.publish(without);
            AgentStatus draining = awaitStatus(
                    "pool 2 draining",
                    s -> s.appliedGeneration() == g2 && !s.drains().isEmpty(),
                    tp);
            DrainStatus before = draining.drains().get(0);
            assertThat(before.reason()).isEqualTo("pool removed");
            assertThat(before.deadlineAtMs() - before.startedAtMs()).isEqualTo(DRAIN_MS);

            // the agent restarts in the middle of the drain; the kernel (fake) keeps its services and connections
            Thread.sleep(DRAIN_MS / 3);
            runtime.close();
            runtime = null;
            long restartedAt = System.currentTimeMillis();
            startAgent();
            AgentStatus after = awaitStatus(
                    "the restarted agent's first run",
                    s -> s.lastRunAtMs() > restartedAt && !s.drains().isEmpty(),
                    tp);
            assertThat(after.drains())
                    .as("the same drain, its deadline kept")
                    .singleElement()
                    .satisfies(d -> {
                        assertThat(d.startedAtMs()).isEqualTo(before.startedAtMs());
                        assertThat(d.deadlineAtMs()).isEqualTo(before.deadlineAtMs());
                    });

            // deleted at the first deadline although 3 viewers are still on it, not DRAIN_MS after the restart
            long end = System.nanoTime() + WAIT.toNanos();
            while (fk.services.containsKey(2L) && System.nanoTime() < end) Thread.sleep(50);
            long deletedAt = System.currentTimeMillis();
            assertThat(fk.services).doesNotContainKey(2L);
            assertThat(deletedAt)
                    .as("deleted at the first deadline (+ a few drain polls), before restart + drain timeout")
                    .isLessThan(restartedAt + DRAIN_MS);
            System.out.printf(
                    "FIGURE drain of a removed pool across an agent restart: deadline %d ms after its start, agent"
                            + " restarted %d ms into it, pool deleted %d ms after the deadline%n",
                    DRAIN_MS, restartedAt - before.startedAtMs(), deletedAt - before.deadlineAtMs());
        }
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p, TopicPartition tp) {
        if (statusConsumer.assignment().isEmpty()) {
            statusConsumer.assign(List.of(tp));
            statusConsumer.seekToBeginning(List.of(tp));
        }
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(100)))
                if (r.value() != null) statuses.add(Json.read(r.value(), AgentStatus.class));
            if (!statuses.isEmpty() && p.test(statuses.get(statuses.size() - 1)))
                return statuses.get(statuses.size() - 1);
        }
        throw new AssertionError("no agent status " + what + " within " + WAIT + "; last: "
                + (statuses.isEmpty() ? "none" : statuses.get(statuses.size() - 1)));
    }
}
