package io.videolb.agent.desired;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Backup chains A->B, B->C are followed: C stands in for A while A and B are both down; a cycle never loops. */
class BackupChainTest {
    static final long NOW = 10_000_000;
    // fixture: pool 1 = .1 (backup .11), .2; chain .11 -> .21
    final DesiredState chained = cluster().withBackup(ip("198.51.100.11"), ip("198.51.100.21"));

    static HealthView health(Object... pairs) {
        Map<Ipv4Address, ServerHealth> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(ip((String) pairs[i]), (ServerHealth) pairs[i + 1]);
        return new HealthView(m, false);
    }

    static ServerHealth down() {
        return new ServerHealth(false, 1);
    }

    static DesiredKernel compute(DesiredState s, HealthView h, KernelState observed) {
        return DesiredKernel.compute(s, h, observed, Map.of(), NOW, new Policy(0.5, 60_000, 30_000), Names.DEFAULT);
    }

    static Map<Ipv4Address, IpvsService.RealServerState> pool1(DesiredKernel dk) {
        return dk.state().services().get(new Fwmark(1)).servers();
    }

    @Test
    void theFirstBackupStandsInWhileItIsUp() {
        DesiredKernel dk = compute(chained, health("198.51.100.1", down()), KernelState.EMPTY);
        assertThat(pool1(dk)).containsOnlyKeys(ip("198.51.100.11"), ip("198.51.100.2"));
    }

    @Test
    void withTheServerAndItsBackupDownTheBackupsBackupStandsInWithTheServersWeight() {
        DesiredKernel dk = compute(chained, health("198.51.100.1", down(), "198.51.100.11", down()), KernelState.EMPTY);
        assertThat(pool1(dk)).containsOnlyKeys(ip("198.51.100.21"), ip("198.51.100.2"));
        assertThat(pool1(dk).get(ip("198.51.100.21")).weight()).isEqualTo(1);
        assertThat(dk.pools().get(0).substitutions()).containsExactly("198.51.100.1->198.51.100.21");
        assertThat(dk.pools().get(0).panic()).isFalse();
    }

    @Test
    void theWholeChainDownIsAnUnreplaceableServer() {
        DesiredKernel dk = compute(
                chained,
                health("198.51.100.1", down(), "198.51.100.11", down(), "198.51.100.21", down()),
                KernelState.EMPTY);
        assertThat(pool1(dk)).containsOnlyKeys(ip("198.51.100.2"));
    }

    @Test
    void aCycleThatSlippedPastValidationNeverLoopsNorBringsTheServerBackAsItsOwnBackup() {
        DesiredState cyclic = cluster().withBackup(ip("198.51.100.11"), ip("198.51.100.1")); // .1 -> .11 -> .1
        assertThat(DesiredKernel.backupChain(cyclic, ip("198.51.100.1"))).containsExactly(ip("198.51.100.11"));
        DesiredKernel dk = compute(cyclic, health("198.51.100.1", down(), "198.51.100.11", down()), KernelState.EMPTY);
        assertThat(pool1(dk)).containsOnlyKeys(ip("198.51.100.2"));
    }

    @Test
    void duringTheHoldDownTheStandInFurtherDownTheChainKeepsServing() {
        // C (.21) serves for A (.1); A is back since 1 s (hold-down 30 s) and B (.11) is up again too
        TreeMap<Ipv4Address, IpvsService.RealServerState> kernel = new TreeMap<>();
        kernel.put(ip("198.51.100.21"), IpvsService.RealServerState.dr(1));
        kernel.put(ip("198.51.100.2"), IpvsService.RealServerState.dr(1));
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>();
        services.put(new Fwmark(1), new IpvsService(new Fwmark(1), io.videolb.model.Scheduler.WLC, 300, false, kernel));
        KernelState observed = KernelState.EMPTY.withServices(services);
        DesiredKernel dk = compute(chained, health("198.51.100.1", new ServerHealth(true, NOW - 1_000)), observed);
        assertThat(pool1(dk)).containsOnlyKeys(ip("198.51.100.21"), ip("198.51.100.2"));
        assertThat(dk.pools().get(0).substitutions()).containsExactly("198.51.100.1->198.51.100.21 (hold-down)");
        // after the hold-down, A takes its place back and C drains
        DesiredKernel later = DesiredKernel.compute(
                chained,
                health("198.51.100.1", new ServerHealth(true, NOW - 31_000)),
                observed,
                Map.of(),
                NOW,
                new Policy(0.5, 60_000, 30_000),
                Names.DEFAULT);
        assertThat(pool1(later).get(ip("198.51.100.1")).weight()).isEqualTo(1);
        assertThat(pool1(later).get(ip("198.51.100.21")).weight())
                .as("draining")
                .isZero();
        assertThat(List.copyOf(later.drains().keySet())).hasSize(1);
    }
}
