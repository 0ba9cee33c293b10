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
import io.videolb.agent.testing.AgentOnBroker;
import io.videolb.events.AgentStatus;
import io.videolb.events.AgentStatus.DrainStatus;
import io.videolb.events.Topics;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.testsupport.Await;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
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
    static final long DRAIN_MS = 6_000;

    @TempDir
    Path tmp;

    final FakeKernel fk = new FakeKernel();
    AgentOnBroker fx;

    @AfterEach
    void tearDown() {
        if (fx != null) fx.close();
    }

    AgentSettings config() {
        return fx.settings("it-drain-restart")
                .policy(new Policy(0.5, DRAIN_MS, 0))
                .procRoot(tmp.resolve("proc"))
                .httpPort(-1)
                .drainPoll(Duration.ofMillis(200))
                .build();
    }

    void startAgent() throws Exception {
        fx.start(config(), new Kernel(fk, Tools.DEFAULT, Names.DEFAULT));
    }

    @Test
    void aRemovedPoolsDrainKeepsItsDeadlineWhenTheAgentRestartsMidDrain() throws Exception {
        fx = AgentOnBroker.withoutNamespace("drain-restart", tmp);
        Topics topics = fx.topics;
        Files.createDirectories(tmp.resolve("proc/net"));
        Files.writeString(tmp.resolve("proc/net/ip_vs"), ""); // IPVS present: the fake kernel answers ipvsadm
        try (TestPublisher pub = new TestPublisher(SharedBroker.bootstrapServers(), topics)) {
            pub.publish(cluster());
            startAgent();
            awaitStatus("generation 1 applied", s -> s.appliedGeneration() == 1);
            assertThat(fk.services).containsKey(2L);

            fk.connections(2, "198.51.100.3", 3, 0); // viewers on the pool about to be removed
            DesiredState without = cluster()
                    .withClient(Ipv4Network.parse("203.0.113.10"), null)
                    .withPool(new Fwmark(2), null)
                    .withBackup(ip("198.51.100.3"), null);
            long g2 = pub.publish(without);
            AgentStatus draining = awaitStatus(
                    "pool 2 draining",
                    s -> s.appliedGeneration() == g2 && !s.drains().isEmpty());
            DrainStatus before = draining.drains().get(0);
            assertThat(before.reason()).isEqualTo("pool removed");
            assertThat(before.deadlineAtMs() - before.startedAtMs()).isEqualTo(DRAIN_MS);

            // the agent restarts in the middle of the drain; the kernel (fake) keeps its services and connections
            Thread.sleep(DRAIN_MS / 3);
            fx.stopAgent();
            long restartedAt = System.currentTimeMillis();
            startAgent();
            AgentStatus after = awaitStatus(
                    "the restarted agent's first run",
                    s -> s.lastRunAtMs() > restartedAt && !s.drains().isEmpty());
            assertThat(after.drains())
                    .as("the same drain, its deadline kept")
                    .singleElement()
                    .satisfies(d -> {
                        assertThat(d.startedAtMs()).isEqualTo(before.startedAtMs());
                        assertThat(d.deadlineAtMs()).isEqualTo(before.deadlineAtMs());
                    });

            // deleted at the first deadline although 3 viewers are still on it, not DRAIN_MS after the restart
            long end = System.nanoTime() + Await.WAIT.toNanos();
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

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        return fx.status.await(what, p);
    }
}
