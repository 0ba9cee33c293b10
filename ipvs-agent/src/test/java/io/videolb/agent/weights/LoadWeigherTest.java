package io.videolb.agent.weights;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.desired.ServerHealth;
import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.events.AgentStatus;
import io.videolb.events.ServerStreams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Scheduler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link LoadWeigher} on the output of the real {@link DesiredKernel#compute}: which servers are weighed, hysteresis,
 * the least interval, unknown inventories, drains left alone, the in-place edit the planner makes of it.
 */
class LoadWeigherTest {
    static final Fwmark POOL = new Fwmark(1);
    static final Ipv4Address A = ip("198.51.100.1");
    static final Ipv4Address B = ip("198.51.100.2");
    static final Ipv4Address A_BACKUP = ip("198.51.100.11");
    static final long T0 = 1_000_000_000L;
    static final long STALE = 15_000;

    final DesiredState desired = cluster(); // pool 1: A and B at weight 1 (A's backup 198.51.100.11); pool 2 untouched
    final LoadWeightSettings settings = new LoadWeightSettings(
            Map.of(POOL, new LoadWeightSettings.PoolLoad(LoadWeightSettings.Basis.VIEWERS, 1000, Map.of(B, 2000L))),
            10,
            30_000);
    final LoadWeigher weigher = new LoadWeigher(settings, STALE);
    final Map<Ipv4Address, ServerStreams> inv = new HashMap<>();

    static ServerStreams viewers(Ipv4Address server, long at, int... perStream) {
        List<ServerStreams.Stream> streams = new java.util.ArrayList<>();
        for (int i = 0; i < perStream.length; i++)
            streams.add(new ServerStreams.Stream("live", "cam" + i, true, perStream[i], 1000L * perStream[i]));
        long bw = streams.stream()
                .mapToLong(ServerStreams.Stream::bwOutBitsPerSecond)
                .sum();
        return new ServerStreams(server, true, "", streams, bw, "hc1", at * 1000, at);
    }

    DesiredKernel run(KernelState observed, HealthView health, long now) {
        DesiredKernel dk = DesiredKernel.compute(
                desired, health, observed, Map.of(), now, Policy.DEFAULT, Names.DEFAULT, Set.of(POOL));
        return weigher.apply(dk, desired, observed, inv, now);
    }

    DesiredKernel run(long now) {
        return run(KernelState.EMPTY, HealthView.ALL_UP, now);
    }

    static Map<Ipv4Address, Integer> weights(DesiredKernel dk, Fwmark mark) {
        Map<Ipv4Address, Integer> out = new TreeMap<>();
        dk.state().services().get(mark).servers().forEach((a, s) -> out.put(a, s.weight()));
        return out;
    }

    static AgentStatus.LoadWeight row(DesiredKernel dk, Ipv4Address a) {
        return dk.pools().stream()
                .filter(p -> p.mark() == POOL.value())
                .flatMap(p -> p.loadWeights().stream())
                .filter(w -> w.server().equals(a.toString()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void viewersAgainstCapacityGiveTheWeightsInStateStatusAndPlan() {
        inv.put(A, viewers(A, T0, 300, 200)); // 500 of 1000 -> 50
        inv.put(B, viewers(B, T0, 500)); // 500 of 2000 -> 75
        DesiredKernel dk = run(T0);
        assertThat(weights(dk, POOL)).containsEntry(A, 50).containsEntry(B, 75);
        assertThat(weights(dk, new Fwmark(2))).containsEntry(ip("198.51.100.3"), 2); // not opted in: as configured
        assertThat(row(dk, A)).isEqualTo(new AgentStatus.LoadWeight(A.toString(), "viewers", 500, 1000, 50, 50, "set"));
        assertThat(dk.pools().get(0).inService()).containsExactly(A + ":50", B + ":75");
        assertThat(dk.pools().get(1).loadWeights()).isEmpty();
    }

    @Test
    void aChangedWeightIsAnInPlaceEditOfTheRunningServer() {
        TreeMap<Ipv4Address, RealServerState> running = new TreeMap<>();
        running.put(A, RealServerState.dr(100));
        running.put(B, RealServerState.dr(100));
        KernelState observed = KernelState.EMPTY.withServices(
                new TreeMap<>(Map.of(POOL, new IpvsService(POOL, Scheduler.WLC, 300, false, running))));
        inv.put(A, viewers(A, T0, 800)); // -> 20, far from the kernel's 100
        inv.put(B, viewers(B, T0, 100)); // -> 95: within 10 % of 100, held
        DesiredKernel dk = run(observed, HealthView.ALL_UP, T0);
        List<Change> ipvs = Planner.plan(dk.state(), observed, Set.of(POOL)).changes().stream()
                .filter(c -> c instanceof Change.ServerEdit e && e.mark().equals(POOL))
                .toList();
        assertThat(ipvs).containsExactly(new Change.ServerEdit(POOL, A, 20));
        assertThat(row(dk, B).note()).isEqualTo("held: within 10 % of 100");
        List<String> lines = new Renderer(Names.DEFAULT)
                .render(Planner.plan(dk.state(), observed, Set.of(POOL))).stream()
                        .flatMap((Step s) -> s.lines().stream())
                        .filter(l -> l.startsWith("-e"))
                        .toList();
        assertThat(lines).containsExactly("-e -f 1 -r 198.51.100.1 -g -w 20");
    }

    @Test
    void oscillatingLoadIsHeldByTheHysteresisAndTheLeastInterval() {
        inv.put(A, viewers(A, T0, 500));
        inv.put(B, viewers(B, T0, 0));
        assertThat(weights(run(T0), POOL)).containsEntry(A, 50);
        // +-4 % around 500 viewers, every 2 s for a minute: the weight never moves
        for (int i = 1; i <= 30; i++) {
            long t = T0 + i * 2000L;
            inv.put(A, viewers(A, t, i % 2 == 0 ? 540 : 460));
            DesiredKernel dk = run(t);
            assertThat(weights(dk, POOL)).containsEntry(A, 50);
            assertThat(weigher.pending()).isFalse();
        }
        // a real move within 30 s of the last change waits, then goes through once
        inv.put(A, viewers(A, T0 + 62_000, 900));
        DesiredKernel first = run(T0 + 62_000);
        assertThat(weights(first, POOL)).containsEntry(A, 10); // the first change since T0's set: allowed
        inv.put(A, viewers(A, T0 + 64_000, 100));
        DesiredKernel held = run(T0 + 64_000);
        assertThat(weights(held, POOL)).containsEntry(A, 10);
        assertThat(row(held, A).target()).isEqualTo(90);
        assertThat(row(held, A).note()).isEqualTo("held: next change in 28000 ms");
        assertThat(weigher.pending()).isTrue();
        assertThat(weigher.wouldChange(viewers(A, T0 + 65_000, 100), T0 + 65_000))
                .isFalse(); // the poll covers it
        inv.put(A, viewers(A, T0 + 92_000, 100));
        DesiredKernel later = run(T0 + 92_000);
        assertThat(weights(later, POOL)).containsEntry(A, 90);
        assertThat(row(later, A).note()).isEqualTo("changed from 10");
        assertThat(weigher.pending()).isFalse();
        assertThat(weigher.changes()).isEqualTo(2);
    }

    @Test
    void unknownStaleOrMissingInventoryKeepsTheCurrentWeight() {
        inv.put(A, viewers(A, T0, 500));
        inv.put(B, viewers(B, T0, 0));
        run(T0);
        inv.put(A, new ServerStreams(A, false, "stats page: 10 MB, over the 2 MiB cap", List.of(), 0, "hc1", 1, T0));
        DesiredKernel dk = run(T0 + 40_000);
        assertThat(weights(dk, POOL)).containsEntry(A, 50);
        assertThat(row(dk, A).note()).isEqualTo("kept: inventory unknown (stats page: 10 MB, over the 2 MiB cap)");
        assertThat(row(dk, A).load()).isEqualTo(-1);
        inv.put(A, viewers(A, T0, 900)); // old: observed at T0, 40 s ago, bound 15 s
        dk = run(T0 + 40_000);
        assertThat(weights(dk, POOL)).containsEntry(A, 50);
        assertThat(row(dk, A).note()).startsWith("kept: inventory unknown (observed 40000 ms ago");
        assertThat(weigher.wouldChange(inv.get(A), T0 + 40_000)).isFalse();
        inv.remove(A);
        dk = run(T0 + 41_000);
        assertThat(weights(dk, POOL)).containsEntry(A, 50);
        assertThat(row(dk, A).note()).isEqualTo("kept: inventory unknown (none published)");
    }

    @Test
    void withoutAnyInventoryOrMemoryTheFullWeightOrTheKernelsIsKept() {
        assertThat(weights(run(T0), POOL)).containsEntry(A, 100).containsEntry(B, 100);
        LoadWeigher fresh = new LoadWeigher(settings, STALE); // a restarted agent: the kernel's weight stays
        TreeMap<Ipv4Address, RealServerState> running = new TreeMap<>(Map.of(A, RealServerState.dr(37)));
        KernelState observed = KernelState.EMPTY.withServices(
                new TreeMap<>(Map.of(POOL, new IpvsService(POOL, Scheduler.WLC, 300, false, running))));
        DesiredKernel dk = fresh.apply(
                DesiredKernel.compute(
                        desired, HealthView.ALL_UP, observed, Map.of(), T0, Policy.DEFAULT, Names.DEFAULT),
                desired,
                observed,
                Map.of(),
                T0);
        assertThat(weights(dk, POOL)).containsEntry(A, 37).containsEntry(B, 100);
    }

    @Test
    void drainingServersStayAtZeroAndABackupInServiceIsWeighedByItsOwnLoad() {
        inv.put(A, viewers(A, T0, 0));
        inv.put(B, viewers(B, T0, 0));
        inv.put(A_BACKUP, viewers(A_BACKUP, T0, 750));
        HealthView aDown = new HealthView(Map.of(A, new ServerHealth(false, T0 - 1000)), false);
        DesiredKernel dk = run(KernelState.EMPTY, aDown, T0);
        assertThat(weights(dk, POOL)).containsEntry(A_BACKUP, 25).doesNotContainKey(A);
        // A back (its hold-down over) while the backup still runs: the backup drains at 0, untouched by the weigher
        TreeMap<Ipv4Address, RealServerState> running = new TreeMap<>();
        running.put(A_BACKUP, new RealServerState(25, true, 4, 0));
        running.put(B, RealServerState.dr(100));
        KernelState observed = KernelState.EMPTY.withServices(
                new TreeMap<>(Map.of(POOL, new IpvsService(POOL, Scheduler.WLC, 300, false, running))));
        DesiredKernel back = run(observed, new HealthView(Map.of(A, new ServerHealth(true, 1)), false), T0 + 2000);
        assertThat(weights(back, POOL)).containsEntry(A_BACKUP, 0).containsEntry(A, 100);
        assertThat(back.pools().get(0).loadWeights())
                .extracting(AgentStatus.LoadWeight::server)
                .containsExactly(A.toString(), B.toString());
    }

    @Test
    void bandwidthBasisAndHugeLoadsStayInBounds() {
        LoadWeigher bw = new LoadWeigher(
                new LoadWeightSettings(
                        Map.of(
                                POOL,
                                new LoadWeightSettings.PoolLoad(
                                        LoadWeightSettings.Basis.BANDWIDTH, LoadWeightSettings.MAX_CAPACITY, Map.of())),
                        10,
                        0),
                STALE);
        Map<Ipv4Address, ServerStreams> m = new HashMap<>();
        m.put(A, new ServerStreams(A, true, "", List.of(), Long.MAX_VALUE, "hc1", 1, T0));
        m.put(B, new ServerStreams(B, true, "", List.of(), 250_000_000_000_000L, "hc1", 1, T0));
        DesiredKernel dk = bw.apply(
                DesiredKernel.compute(
                        desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), T0, Policy.DEFAULT, Names.DEFAULT),
                desired,
                KernelState.EMPTY,
                m,
                T0);
        assertThat(weights(dk, POOL)).containsEntry(A, 1).containsEntry(B, 75);
    }

    @Test
    void offChangesNothing() {
        LoadWeigher off = new LoadWeigher(LoadWeightSettings.OFF, STALE);
        DesiredKernel dk = DesiredKernel.compute(
                desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), T0, Policy.DEFAULT, Names.DEFAULT);
        inv.put(A, viewers(A, T0, 900));
        assertThat(off.apply(dk, desired, KernelState.EMPTY, inv, T0)).isSameAs(dk);
        assertThat(off.wouldChange(inv.get(A), T0)).isFalse();
    }

    @Test
    void wouldChangeOnlyPastTheHysteresis() {
        inv.put(A, viewers(A, T0, 500));
        inv.put(B, viewers(B, T0, 0));
        run(T0);
        long t = T0 + 1_000; // within the least interval of the first weight: a first weight is no change
        assertThat(weigher.wouldChange(viewers(A, t, 520), t)).isFalse();
        assertThat(weigher.wouldChange(viewers(A, t, 600), t)).isTrue();
        inv.put(A, viewers(A, t, 600));
        assertThat(weights(run(t), POOL)).containsEntry(A, 40);
        // a change within the least interval of that one: the run holds it and polls; the reader need not ask again
        long u = t + 1_000;
        assertThat(weigher.wouldChange(viewers(A, u, 100), u)).isTrue();
        inv.put(A, viewers(A, u, 100));
        run(u);
        assertThat(weigher.pending()).isTrue();
        assertThat(weigher.wouldChange(viewers(A, u + 500, 100), u + 500)).isFalse();
        assertThat(weigher.wouldChange(viewers(ip("198.51.100.99"), t, 600), t)).isFalse();
    }

    @Test
    void weighChangesNoMemoryUntilCommittedAndApplyIsWeighThenCommit() {
        inv.put(A, viewers(A, T0, 500));
        inv.put(B, viewers(B, T0, 0));
        run(T0); // A 50, B 100
        inv.put(A, viewers(A, T0 + 1000, 800)); // -> 20: a change
        DesiredKernel base = DesiredKernel.compute(
                desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), T0 + 1000, Policy.DEFAULT, Names.DEFAULT);

        LoadWeigher.Weighed first = weigher.weigh(base, desired, KernelState.EMPTY, inv, T0 + 1000);
        LoadWeigher.Weighed again = weigher.weigh(base, desired, KernelState.EMPTY, inv, T0 + 1000);
        assertThat(weights(first.kernel(), POOL)).containsEntry(A, 20);
        assertThat(again.kernel()).as("weighing twice: the same answer").isEqualTo(first.kernel());
        assertThat(first.changes()).isEqualTo(1);
        assertThat(weigher.changes()).as("not committed").isZero();
        assertThat(weigher.wouldChange(viewers(A, T0 + 1000, 800), T0 + 1000))
                .as("the reader still judges against the committed 50")
                .isTrue();

        // a twin weigher with the same past, through apply: the same weights and the same memory afterwards
        LoadWeigher twin = new LoadWeigher(settings, STALE);
        twin.apply(
                DesiredKernel.compute(
                        desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), T0, Policy.DEFAULT, Names.DEFAULT),
                desired,
                KernelState.EMPTY,
                Map.of(A, viewers(A, T0, 500), B, viewers(B, T0, 0)),
                T0);
        DesiredKernel applied = twin.apply(base, desired, KernelState.EMPTY, inv, T0 + 1000);
        assertThat(applied).isEqualTo(first.kernel());

        weigher.commit(first);
        assertThat(weigher.changes()).isEqualTo(1).isEqualTo(twin.changes());
        inv.put(A, viewers(A, T0 + 2000, 100)); // -> 90, within the least interval of the change at T0 + 1000
        assertThat(weights(run(T0 + 2000), POOL)).containsEntry(A, 20);
        assertThat(weigher.pending()).isTrue();
        assertThat(weights(twin.apply(base, desired, KernelState.EMPTY, inv, T0 + 2000), POOL))
                .containsEntry(A, 20);
        assertThat(twin.pending()).isTrue();

        assertThatThrownBy(() -> weigher.commit(again))
                .as("weighed against a memory committed over since: it would undo that commit")
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> twin.commit(first)).isInstanceOf(IllegalArgumentException.class);
    }
}
