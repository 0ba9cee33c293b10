package io.videolb.agent.desired;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.events.AgentStatus.DrainStatus;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Maintenance;
import io.videolb.model.Scheduler;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Maintenance (desired state) drains a server with the record's absolute deadline: weight 0 while it has live
 * connections, deleted when idle or past the deadline, never back until enabled; its backup carries its weight. The
 * deadline never comes from the agent's memory, so a restarted agent (empty drain map) keeps it. A removed pool of
 * videolb's drains instead of being deleted at once; a foreign service is never touched.
 */
class MaintenanceDrainTest {
    static final long NOW = 50_000_000;
    static final Policy POLICY = new Policy(0.5, 300_000, 30_000);
    static final Ipv4Address A = ip("198.51.100.1");
    static final Ipv4Address A_BACKUP = ip("198.51.100.11");
    static final Ipv4Address B = ip("198.51.100.2");

    static KernelState kernel(Fwmark mark, Map<Ipv4Address, RealServerState> servers) {
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>();
        services.put(mark, new IpvsService(mark, Scheduler.WLC, 300, false, new TreeMap<>(servers)));
        return KernelState.EMPTY.withServices(services);
    }

    static DesiredKernel compute(DesiredState s, KernelState observed, Map<Drain.Key, Drain> drains, long now) {
        return DesiredKernel.compute(
                s,
                new HealthView(Map.of(), false),
                observed,
                drains,
                now,
                POLICY,
                Names.DEFAULT,
                Set.of(new Fwmark(1), new Fwmark(9)));
    }

    static Map<Ipv4Address, RealServerState> pool1(DesiredKernel dk) {
        return dk.state().services().get(new Fwmark(1)).servers();
    }

    final DesiredState drained = cluster().withMaintenance(A, new Maintenance(A, NOW - 60_000, NOW + 540_000, "ops"));
    final KernelState busy =
            kernel(new Fwmark(1), Map.of(A, new RealServerState(1, true, 7, 2), B, RealServerState.dr(1)));

    @Test
    void aServerInMaintenanceGoesToWeightZeroWithTheRecordsDeadlineAndItsBackupCarriesItsWeight() {
        DesiredKernel dk = compute(drained, busy, Map.of(), NOW);
        assertThat(pool1(dk).get(A).weight()).isZero();
        assertThat(pool1(dk).get(A_BACKUP).weight()).isEqualTo(1);
        assertThat(pool1(dk).get(B).weight()).isEqualTo(1);
        DrainStatus d = dk.drainStatus().get(0);
        assertThat(d.server()).isEqualTo(A.toString());
        assertThat(d.reason()).isEqualTo("maintenance");
        assertThat(d.startedAtMs()).isEqualTo(NOW - 60_000);
        assertThat(d.deadlineAtMs()).isEqualTo(NOW + 540_000);
        assertThat(d.activeConns()).isEqualTo(7);
        assertThat(dk.pools().get(0).substitutions()).containsExactly("198.51.100.1->198.51.100.11 (maintenance)");
    }

    @Test
    void anAgentRestartedInTheMiddleKeepsTheDeadlineFromDesiredState() {
        // the first agent ran with its own drain started at its own "now" and the default timeout; the restarted one
        // has no drain in memory at all, 8 minutes later: both use the record's deadline
        Drain inMemory = new Drain(new Fwmark(1), A, "removed from configuration", NOW, NOW + POLICY.drainTimeoutMs());
        DesiredKernel before = compute(drained, busy, Map.of(inMemory.key(), inMemory), NOW);
        DesiredKernel restarted = compute(drained, busy, Map.of(), NOW + 480_000);
        assertThat(before.drainStatus().get(0).deadlineAtMs()).isEqualTo(NOW + 540_000);
        assertThat(restarted.drainStatus().get(0).deadlineAtMs()).isEqualTo(NOW + 540_000);
        assertThat(pool1(restarted).get(A).weight()).isZero();
        // past the record's deadline: deleted, live connections or not
        DesiredKernel past = compute(drained, busy, restarted.drains(), NOW + 540_000);
        assertThat(pool1(past)).doesNotContainKey(A);
        assertThat(past.drainStatus().get(0).pastDeadline()).isTrue();
        assertThat(past.drains()).isEmpty();
    }

    @Test
    void anIdleServerLeavesAtOnceAndStaysOutUntilEnabled() {
        KernelState idle =
                kernel(new Fwmark(1), Map.of(A, new RealServerState(0, true, 0, 3), B, RealServerState.dr(1)));
        DesiredKernel dk = compute(drained, idle, Map.of(), NOW);
        assertThat(pool1(dk)).doesNotContainKey(A);
        KernelState gone = kernel(new Fwmark(1), Map.of(A_BACKUP, RealServerState.dr(1), B, RealServerState.dr(1)));
        assertThat(pool1(compute(drained, gone, Map.of(), NOW + 1_000))).doesNotContainKey(A);
        DesiredState enabled = drained.withMaintenance(A, null);
        assertThat(pool1(compute(enabled, gone, Map.of(), NOW + 2_000)).get(A).weight())
                .isEqualTo(1);
    }

    @Test
    void aBackupInMaintenanceDoesNotStandIn() {
        DesiredState s = cluster().withMaintenance(A_BACKUP, new Maintenance(A_BACKUP, NOW, NOW + 1_000, "ops"));
        HealthView aDown = new HealthView(Map.of(A, new ServerHealth(false, 1)), false);
        DesiredKernel dk =
                DesiredKernel.compute(s, aDown, KernelState.EMPTY, Map.of(), NOW, POLICY, Names.DEFAULT, Set.of());
        assertThat(pool1(dk)).containsOnlyKeys(B);
    }

    @Test
    void aRemovedPoolOfOursDrainsInsteadOfDroppingItsViewers() {
        Fwmark gone = new Fwmark(9);
        KernelState observed = kernel(gone, Map.of(A, new RealServerState(3, true, 5, 0)));
        DesiredKernel dk = compute(cluster(), observed, Map.of(), NOW);
        IpvsService kept = dk.state().services().get(gone);
        assertThat(kept.servers().get(A).weight()).isZero();
        assertThat(dk.drainStatus()).extracting(DrainStatus::reason).containsExactly("pool removed");
        // idle: the service goes
        KernelState idle = kernel(gone, Map.of(A, new RealServerState(0, true, 0, 1)));
        assertThat(compute(cluster(), idle, dk.drains(), NOW + 1_000).state().services())
                .doesNotContainKey(gone);
        // past the drain timeout with viewers still on: the service goes too
        assertThat(compute(cluster(), observed, dk.drains(), NOW + POLICY.drainTimeoutMs())
                        .state()
                        .services())
                .doesNotContainKey(gone);
        // a foreign fwmark service (not created by videolb) is never drained
        DesiredKernel foreign = DesiredKernel.compute(
                cluster(), new HealthView(Map.of(), false), observed, Map.of(), NOW, POLICY, Names.DEFAULT, Set.of());
        assertThat(foreign.state().services()).doesNotContainKey(gone);
        assertThat(foreign.drainStatus()).isEmpty();
    }
}
