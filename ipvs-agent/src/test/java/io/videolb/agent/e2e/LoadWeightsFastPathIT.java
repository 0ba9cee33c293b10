package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.e2e.TestPublisher.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.TestNetns;
import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.events.ServerStreams;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decision 108 end to end: the real {@link IpvsAgent} with load-fed weights on pool 1 (viewers, capacity 1000) takes
 * the fast path for a DOWN verdict, and its one {@code ipvsadm -R} puts the backup in at the weigher's weight (its
 * own load), not its configured one; the follow-up full run reads the kernel and has nothing to edit. Steering runs
 * for real in a private network namespace, {@code ipvsadm} goes to the state-based fake (as {@code FastPathBenchIT}).
 * Needs root (VIDEOLB_NETNS_TESTS=skip skips).
 */
class LoadWeightsFastPathIT {
    static final Duration WAIT = Duration.ofSeconds(60);

    final String ns = "vlb-lw-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    ServiceRuntime runtime;
    TestPublisher pub;
    Topics topics;
    long sequence;

    /** Every call of the agent's tools, in order: "read" for a kernel read, else the ipvsadm -R payload. */
    final List<String> calls = new ArrayList<>();

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (pub != null) pub.close();
        TestNetns.delete(ns);
    }

    void viewers(String server, int viewers) {
        ServerStreams s = new ServerStreams(
                Ipv4Address.parse(server),
                true,
                "",
                List.of(new ServerStreams.Stream("live", "cam1", true, viewers, 0)),
                0,
                "it-checker",
                ++sequence,
                System.currentTimeMillis());
        pub.raw(topics.health(), Map.of(s.key(), Json.write(s)));
    }

    static void await(String what, BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            if (c.getAsBoolean()) return;
            Thread.sleep(20);
        }
        throw new AssertionError("timed out waiting for " + what);
    }

    List<String> callsSince(int i) {
        synchronized (calls) {
            return List.copyOf(calls.subList(i, calls.size()));
        }
    }

    int callCount() {
        synchronized (calls) {
            return calls.size();
        }
    }

    @Test
    void aDownServerOfAWeightedPoolFailsOverByTheFastPathAtTheWeighersWeightAndTheFullRunAfterItEditsNothing()
            throws Exception {
        TestNetns.add(ns);
        FakeKernel fake = new FakeKernel();
        CommandRunner netns = TestNetns.in(ns);
        CommandRunner hybrid = (argv, stdin, timeout) -> {
            if (!argv.get(0).equals("ipvsadm")) {
                if (argv.equals(List.of("ipset", "list", "-n")))
                    synchronized (calls) {
                        calls.add("read");
                    }
                return netns.run(argv, stdin, timeout);
            }
            synchronized (calls) {
                if (argv.equals(List.of("ipvsadm", "-R"))) calls.add(stdin);
                return fake.run(argv, stdin, timeout); // the fake is not thread-safe: one call at a time
            }
        };
        Path proc = Files.createDirectories(tmp.resolve("proc/net"));
        Files.writeString(proc.resolve("ip_vs"), ""); // IPVS is "in the kernel": the fake answers ipvsadm
        Files.createDirectories(tmp.resolve("sys/net/ipv4/vs"));
        Files.createDirectories(tmp.resolve("state"));
        Files.createDirectories(tmp.resolve("etc"));
        topics = SharedBroker.freshTopics("agent-lw-fast");
        pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
        AgentSettings config = AgentSettings.builder()
                .director("it-lw-fast")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .procRoot(tmp.resolve("proc"))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(tmp.resolve("etc/ipvsadm.rules"))
                .iptablesRules(tmp.resolve("etc/rules.v4"))
                .ipsetRules(tmp.resolve("etc/ipsets"))
                .httpHost("127.0.0.1")
                .httpPort(-1)
                .planOnly(false)
                .healthStale(Duration.ofSeconds(60)) // the inventories stay fresh for the whole test on a loaded host
                .loadWeights(new LoadWeightSettings(
                        Map.of(
                                new Fwmark(1),
                                new LoadWeightSettings.PoolLoad(LoadWeightSettings.Basis.VIEWERS, 1000, Map.of())),
                        10,
                        30_000))
                .build(); // the default loop: min interval 200 ms, resync 30 s
        pub.publish(cluster()); // pool 1: .1 and .2 at weight 1, .1's backup .11; pool 2 not weighed
        viewers("198.51.100.1", 500); // -> 50 of the full 100
        viewers("198.51.100.2", 200); // -> 80
        viewers("198.51.100.11", 750); // the backup -> 25
        runtime = ServiceRuntime.create();
        IpvsAgent agent =
                runtime.deploy(new IpvsAgent(config, new Kernel(hybrid, Tools.DEFAULT, Names.DEFAULT), runtime));
        assertThat(agent.capabilities().mode()).isEqualTo(KernelMode.APPLY);
        await("generation 1 applied with the load-fed weights", () -> {
            synchronized (calls) {
                return agent.metrics().appliedGeneration() == 1
                        && fake.weights(1).equals(Map.of("198.51.100.1", 50, "198.51.100.2", 80));
            }
        });
        Thread.sleep(1500); // past the first runs' follow-ups

        int before = callCount();
        pub.verdicts(null, List.of(verdict("198.51.100.1", false, 1)));
        await("the failover's ipvsadm -R", () -> callsSince(before).stream().anyMatch(c -> c.contains("-d -f 1")));
        List<String> fast = callsSince(before);
        assertThat(fast)
                .as("the fast path: one edit, no kernel read before it")
                .hasSize(1)
                .first()
                .asString()
                .contains("-a -f 1 -r 198.51.100.11 -g -w 25")
                .contains("-d -f 1 -r 198.51.100.1")
                .doesNotContain("-w 100");
        synchronized (calls) {
            assertThat(fake.weights(1)).isEqualTo(Map.of("198.51.100.11", 25, "198.51.100.2", 80));
        }

        int afterEdit = callCount();
        await(
                "the follow-up full run's kernel read",
                () -> callsSince(afterEdit).contains("read"));
        Thread.sleep(1000); // its apply, if it had one
        assertThat(callsSince(afterEdit))
                .as("the full run after the edit reads the kernel and edits nothing")
                .allMatch("read"::equals);
        synchronized (calls) {
            assertThat(fake.weights(1)).isEqualTo(Map.of("198.51.100.11", 25, "198.51.100.2", 80));
        }
        assertThat(agent.metrics().appliedGeneration()).isEqualTo(1);
    }
}
