package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.events.AgentStatus;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link IpvsAgent} (its own wiring of loop and reconciler) on the fake kernel in apply mode, against
 * the shared broker: a sysctl set back by hand is put back by the next periodic resync and published as drift.
 * No root needed (sysctls and /proc/net/ip_vs live in a temp folder).
 */
class AgentSetupRecheckIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String NODEST = "net/ipv4/vs/expire_nodest_conn";

    @TempDir
    Path tmp;

    ServiceRuntime runtime;
    IpvsAgent agent;
    TestPublisher pub;
    KafkaConsumer<String, String> statusConsumer;
    AgentStatus last;

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (pub != null) pub.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(200)))
                last = Json.read(r.value(), AgentStatus.class);
            if (last != null && p.test(last)) return last;
        }
        throw new AssertionError("no agent status " + what + " within " + WAIT + "; last: " + last);
    }

    String sysctl(Path root) throws Exception {
        return Files.readString(root.resolve(NODEST)).strip();
    }

    @Test
    void theResyncPutsBackASysctlResetByHandAndPublishesItAsDrift() throws Exception {
        Path proc = Files.createDirectories(tmp.resolve("proc/net"));
        Files.writeString(proc.resolve("ip_vs"), ""); // IPVS is "in the kernel": the fake answers ipvsadm
        Path sys = tmp.resolve("sys");
        Files.createDirectories(sys.resolve("net/ipv4/vs"));
        Files.createDirectories(tmp.resolve("state"));
        Topics topics = SharedBroker.freshTopics("agent-recheck");
        pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
        statusConsumer = new KafkaConsumer<>(KafkaSettings.of(SharedBroker.bootstrapServers(), "it-recheck-status")
                .stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus("it-recheck"), 0); // the agent's own topic
        statusConsumer.assign(List.of(tp));
        statusConsumer.seekToBeginning(List.of(tp));
        AgentSettings config = AgentSettings.builder()
                .director("it-recheck")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .procRoot(tmp.resolve("proc"))
                .sysctlRoot(sys)
                .stateDir(tmp.resolve("state"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .sync(new SyncDaemon(SyncDaemon.Role.MASTER, "eth0", 7))
                .httpHost("127.0.0.1")
                .httpPort(-1)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(1))
                .drainPoll(Duration.ofSeconds(1))
                .planOnly(false)
                .build();

        pub.publish(cluster());
        FakeKernel fk = new FakeKernel();
        runtime = ServiceRuntime.create();
        agent = runtime.deploy(new IpvsAgent(config, new Kernel(fk, Tools.DEFAULT, Names.DEFAULT), runtime));
        assertThat(agent.capabilities().mode()).isEqualTo(KernelMode.APPLY);
        AgentStatus first = awaitStatus("generation 1 applied", st -> st.appliedGeneration() == 1);
        assertThat(first.lastDrift()).as("the first setup is no drift").isEmpty();
        assertThat(sysctl(sys)).isEqualTo("1");

        Files.writeString(sys.resolve(NODEST), "0\n"); // set back by hand; no event follows
        AgentStatus repaired =
                awaitStatus("the sysctl repaired", st -> !st.lastDrift().isEmpty());
        assertThat(repaired.lastDrift()).containsExactly("sysctl net.ipv4.vs.expire_nodest_conn 0 -> 1");
        assertThat(repaired.driftRepairedTotal()).isEqualTo(1);
        assertThat(repaired.errors()).isEmpty();
        assertThat(sysctl(sys)).isEqualTo("1");
    }
}
