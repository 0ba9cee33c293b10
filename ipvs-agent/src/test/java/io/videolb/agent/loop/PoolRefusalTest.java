package io.videolb.agent.loop;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.desired.ServerHealth;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One pool the kernel refuses does not stop the run: the other pool's failover and the steering change are applied,
 * the refused pool is reported by name, and once the kernel takes it again the next run applies it.
 */
class PoolRefusalTest {
    @TempDir
    Path dir;

    final FakeKernel fk = new FakeKernel();
    final AtomicLong clock = new AtomicLong(1_000_000);

    Reconciler reconciler(RebootFiles reboot) {
        return new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.FULL,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                reboot,
                null,
                SyncDaemon.NONE,
                clock::get);
    }

    static HealthView down(String... servers) {
        Map<Ipv4Address, ServerHealth> m = new java.util.HashMap<>();
        for (String s : servers) m.put(ip(s), new ServerHealth(false, 1));
        return new HealthView(m, false);
    }

    @Test
    void aRefusedPoolIsReportedAndTheOtherPoolsFailoverAndTheSteeringStillHappen() throws Exception {
        Path ipvsRules = dir.resolve("ipvsadm.rules");
        Reconciler r = reconciler(new RebootFiles(ipvsRules, null, dir.resolve("ipsets"), Names.DEFAULT));
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).errors()).isEmpty();

        // pool 1 (198.51.100.1 -> backup .11) is refused by the kernel; pool 2 (198.51.100.3 -> .13) fails over too
        fk.refusePayloadContaining = "-f 1 ";
        var moved = cluster().withClient(Ipv4Network.parse("203.0.113.20"), new Fwmark(2));
        RunResult res = r.run(snapshot(2, moved), down("198.51.100.1", "198.51.100.3"));

        assertThat(res.ok()).isFalse();
        assertThat(res.partial()).as("only the refused pool failed").isTrue();
        assertThat(res.refused())
                .singleElement()
                .asString()
                .startsWith("fwmark 1: ")
                .contains("refused");
        assertThat(res.errors()).containsExactlyElementsOf(res.refused());
        assertThat(fk.services.get(2L).servers)
                .as("pool 2 failed over although pool 1 was refused before it")
                .containsKey("198.51.100.13")
                .doesNotContainKey("198.51.100.3");
        assertThat(fk.services.get(1L).servers)
                .as("pool 1 unchanged")
                .containsKey("198.51.100.1")
                .doesNotContainKey("198.51.100.11");
        assertThat(fk.sets.get("videolb-clients").members)
                .as("the steering change is applied")
                .containsEntry("203.0.113.20", "0x2");
        assertThat(res.applied()).noneMatch(a -> a.contains("fwmark 1 ") || a.endsWith("fwmark 1"));
        assertThat(Files.readString(ipvsRules))
                .as("reboot file holds what the kernel runs: pool 2 failed over, pool 1 as it was")
                .contains("-a -f 2 -r 198.51.100.13 -g")
                .doesNotContain("198.51.100.3 ")
                .contains("-a -f 1 -r 198.51.100.1 -g")
                .doesNotContain("198.51.100.11");

        // the kernel takes pool 1 again: the next run applies it, and only it
        fk.refusePayloadContaining = null;
        RunResult next = r.run(snapshot(2, moved), down("198.51.100.1", "198.51.100.3"));
        assertThat(next.errors()).isEmpty();
        assertThat(next.applied()).isNotEmpty().allMatch(a -> a.contains("fwmark 1"));
        assertThat(fk.services.get(1L).servers).containsKey("198.51.100.11").doesNotContainKey("198.51.100.1");
    }

    @Test
    void aRefusedSteeringChangeDoesNotHoldBackAPoolsFailover() {
        Reconciler r = reconciler(null);
        r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        fk.refusePayloadContaining = "203.0.113.20";
        RunResult res = r.run(
                snapshot(2, cluster().withClient(Ipv4Network.parse("203.0.113.20"), new Fwmark(2))),
                down("198.51.100.3"));
        assertThat(res.refused()).singleElement().asString().startsWith("steering: ");
        assertThat(fk.services.get(2L).servers).containsKey("198.51.100.13").doesNotContainKey("198.51.100.3");
        assertThat(fk.sets.get("videolb-clients").members).doesNotContainKey("203.0.113.20");
    }

    @Test
    void laterStepsOfARefusedPoolAreSkippedButItsRefusedDeleteIsTriedAgain() {
        Reconciler r = reconciler(null);
        r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        // pool 2 removed from the configuration (its client moves to pool 1): the delete of fwmark 2 is refused
        var without = cluster().withClient(Ipv4Network.parse("203.0.113.10"), new Fwmark(1));
        var pools = new java.util.TreeMap<>(without.pools());
        pools.remove(new Fwmark(2));
        var only1 = new io.videolb.model.DesiredState(
                without.params(), without.clients(), pools, new java.util.TreeMap<>());
        r.run(snapshot(2, only1), HealthView.ALL_UP); // a removed pool drains first (weight 0), then goes
        assertThat(fk.weights(2)).containsOnlyKeys("198.51.100.3").containsValue(0);
        fk.refusePayloadContaining = "-D -f 2";
        RunResult res = r.run(snapshot(2, only1), HealthView.ALL_UP);
        assertThat(res.refused()).singleElement().asString().startsWith("fwmark 2: ");
        assertThat(fk.services).containsKey(2L);
        assertThat(fk.sets.get("videolb-clients").members).containsEntry("203.0.113.10", "0x1");
        fk.refusePayloadContaining = null;
        RunResult next = r.run(snapshot(2, only1), HealthView.ALL_UP);
        assertThat(next.errors()).isEmpty();
        assertThat(next.applied()).containsExactly("delete IPVS fwmark service 2");
        assertThat(fk.services).doesNotContainKey(2L);
    }
}
