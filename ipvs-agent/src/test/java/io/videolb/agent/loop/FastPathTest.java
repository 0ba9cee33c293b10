package io.videolb.agent.loop;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthBook;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.desired.ServerHealth;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
import io.videolb.agent.weights.LoadWeigher;
import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.ServerStreams;
import io.videolb.events.Verdict;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path's rule ({@link FastPath}: which verdict changes become which IPVS edits, which go to the full run)
 * and {@link Reconciler#fastRun} on the state-based fake kernel (one restore, no kernel read, a refused edit makes
 * the next run a full one).
 */
class FastPathTest {
    static final Fwmark M1 = new Fwmark(1);
    static final Fwmark M2 = new Fwmark(2);
    static final Policy HOLD_5S = new Policy(0.5, 60_000, 5_000);
    static final Policy NO_HOLD = new Policy(0.5, 60_000, 0);

    @TempDir
    Path dir;

    final FakeKernel fk = new FakeKernel();
    final AtomicLong clock = new AtomicLong(1_000_000);

    Reconciler reconciler(Policy policy) {
        return new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.FULL,
                policy,
                new Ownership(dir.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                clock::get);
    }

    static HealthView health(Object... pairs) {
        Map<Ipv4Address, ServerHealth> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(ip((String) pairs[i]), (ServerHealth) pairs[i + 1]);
        return new HealthView(m, false);
    }

    static final ServerHealth DOWN = new ServerHealth(false, 1);

    static ServerHealth upSince(long t) {
        return new ServerHealth(true, t);
    }

    /** The kernel as a full run of generation 1 with {@code h} leaves it (the fast path's starting point). */
    Reconciler appliedWith(Policy policy, HealthView h) {
        Reconciler r = reconciler(policy);
        assertThat(r.run(snapshot(1, cluster()), h).errors()).isEmpty();
        fk.calls.clear();
        return r;
    }

    static List<Change> edits(Optional<RunResult> r) {
        assertThat(r).as("the fast path is taken").isPresent();
        assertThat(r.get().errors()).isEmpty();
        return r.get().plan().changes();
    }

    @Test
    void aDownServerWithAnUpBackupBecomesOneRestoreThatAddsTheBackupAndDeletesTheServerWithoutReadingTheKernel() {
        Reconciler r = appliedWith(HOLD_5S, HealthView.ALL_UP);

        List<Change> e = edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN)));

        assertThat(e)
                .containsExactly(
                        new Change.ServerAdd(M1, ip("198.51.100.11"), 1),
                        new Change.ServerDelete(M1, ip("198.51.100.1")));
        assertThat(fk.calls).as("one process, no read").containsExactly("ipvsadm -R");
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 1, "198.51.100.2", 1));
        assertThat(fk.weights(2)).as("the other pool untouched").isEqualTo(Map.of("198.51.100.3", 2));
    }

    @Test
    void aServerWithoutBackupLeavesAndComesBackByTheFastPathWhenNothingStoodInForIt() {
        Reconciler r = appliedWith(HOLD_5S, HealthView.ALL_UP);

        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.2", DOWN))))
                .containsExactly(new Change.ServerDelete(M1, ip("198.51.100.2")));
        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.2", upSince(clock.get())))))
                .as("no stand-in, so no hold-down: back at once")
                .containsExactly(new Change.ServerAdd(M1, ip("198.51.100.2"), 1));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1));
        assertThat(fk.calls).containsExactly("ipvsadm -R", "ipvsadm -R");
    }

    @Test
    void aBackupInServiceThatGoesDownLeavesByTheFastPath() {
        Reconciler r = appliedWith(HOLD_5S, health("198.51.100.1", DOWN));
        // the backup .11 goes down too: pool 1 keeps .2, .1 and .11 are both down with no usable backup left; one
        // unreplaceable server of two is not more than half: .1 stays out, .11 leaves
        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN, "198.51.100.11", DOWN))))
                .containsExactly(new Change.ServerDelete(M1, ip("198.51.100.11")));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.2", 1));
    }

    @Test
    void aFailbackThatStartsAHoldDownOrADrainGoesToTheFullRun() {
        Reconciler held = appliedWith(HOLD_5S, health("198.51.100.1", DOWN));
        assertThat(held.fastRun(snapshot(1, cluster()), health("198.51.100.1", upSince(clock.get()))))
                .as("hold-down pending")
                .isEmpty();

        Reconciler drained = appliedWith(NO_HOLD, health("198.51.100.1", DOWN));
        assertThat(drained.fastRun(snapshot(1, cluster()), health("198.51.100.1", upSince(1))))
                .as("the backup would drain (weight 0 until idle): connection counters come from the kernel")
                .isEmpty();
        assertThat(fk.calls).as("nothing ran").isEmpty();
    }

    /** A full run of the failback of .1 (no hold-down): .1 back in pool 1, its backup .11 draining (weight 0). */
    Reconciler afterFailback() {
        Reconciler r = appliedWith(NO_HOLD, health("198.51.100.1", DOWN));
        fk.connections(1, "198.51.100.11", 3, 0); // viewers on the backup: it drains
        assertThat(r.run(snapshot(1, cluster()), health("198.51.100.1", upSince(1)))
                        .errors())
                .isEmpty();
        assertThat(r.draining()).isTrue();
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1, "198.51.100.11", 0));
        fk.calls.clear();
        return r;
    }

    @Test
    void aFailoverDuringAFailbackDrainOfItsBackupIsFastAndCancelsTheDrain() {
        Reconciler r = afterFailback();
        // .1 fails again while .11 still drains (decision 126: before, every failover waited for a full run while
        // any drain was in progress, up to 300 s after each failback)
        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN))))
                .containsExactly(
                        new Change.ServerEdit(M1, ip("198.51.100.11"), 1),
                        new Change.ServerDelete(M1, ip("198.51.100.1")));
        assertThat(fk.calls).as("one process, no read").containsExactly("ipvsadm -R");
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.2", 1, "198.51.100.11", 1));
        assertThat(r.draining())
                .as("the drain was cancelled: .11 is in service again")
                .isFalse();
    }

    @Test
    void aDrainInAnotherPoolDoesNotStopTheFastPathAndStaysAsItWas() {
        Reconciler r = afterFailback();
        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", upSince(1), "198.51.100.3", DOWN))))
                .containsExactly(
                        new Change.ServerAdd(M2, ip("198.51.100.13"), 2),
                        new Change.ServerDelete(M2, ip("198.51.100.3")));
        assertThat(fk.weights(1)).as("the draining backup untouched").containsEntry("198.51.100.11", 0);
        assertThat(r.draining()).isTrue();
    }

    @Test
    void aDrainThatWouldEndOrANewOneGoesToTheFullRun() {
        Reconciler r = afterFailback();
        clock.addAndGet(NO_HOLD.drainTimeoutMs() + 1); // past the drain's deadline: .11 would be deleted
        assertThat(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", upSince(1), "198.51.100.3", DOWN)))
                .as("the drain ends: the full run's")
                .isEmpty();
        assertThat(fk.calls).as("nothing ran").isEmpty();
    }

    @Test
    void aNewGenerationAnUnknownKernelOrNoChangeGoToTheFullRun() {
        Reconciler r = appliedWith(HOLD_5S, HealthView.ALL_UP);
        assertThat(r.fastRun(snapshot(2, cluster()), health("198.51.100.1", DOWN)))
                .as("a generation the last run did not apply")
                .isEmpty();
        assertThat(r.fastRun(snapshot(1, cluster()), HealthView.ALL_UP))
                .as("no IPVS change")
                .isEmpty();
        assertThat(r.fastRun(snapshot(1, cluster()), health("198.51.100.77", DOWN)))
                .as("a server no pool uses")
                .isEmpty();
        assertThat(reconciler(HOLD_5S).fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN)))
                .as("no run yet: the kernel's state is unknown")
                .isEmpty();
        assertThat(fk.calls).isEmpty();
    }

    @Test
    void aStaleOrOutOfOrderVerdictNeverApplies() {
        Reconciler r = appliedWith(HOLD_5S, HealthView.ALL_UP);
        HealthBook book = new HealthBook();
        book.accept(verdict("198.51.100.2", false, 5));
        assertThat(edits(r.fastRun(snapshot(1, cluster()), book.view())))
                .containsExactly(new Change.ServerDelete(M1, ip("198.51.100.2")));

        // an UP with an older sequence arrives late: the book keeps the DOWN, so nothing is edited
        assertThat(book.accept(verdict("198.51.100.2", true, 4))).isFalse();
        assertThat(r.fastRun(snapshot(1, cluster()), book.view())).isEmpty();
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1));

        // a DOWN then its newer UP read together: the view says up, the kernel already has it: no edit at all
        Reconciler r2 = appliedWith(HOLD_5S, HealthView.ALL_UP);
        HealthBook both = new HealthBook();
        both.accept(verdict("198.51.100.1", false, 7));
        both.accept(verdict("198.51.100.1", true, 8));
        assertThat(r2.fastRun(snapshot(1, cluster()), both.view())).isEmpty();
        assertThat(fk.calls).isEmpty();
    }

    @Test
    void aRefusedEditIsReportedAndTheNextRunIsAFullOneThatRepairs() {
        Reconciler r = appliedWith(HOLD_5S, HealthView.ALL_UP);
        fk.refusePayloadContaining = "198.51.100.11";
        Optional<RunResult> failed = r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN));
        assertThat(failed).isPresent();
        assertThat(failed.get().ok()).isFalse();
        assertThat(failed.get().errors()).singleElement().asString().contains("fwmark 1");

        fk.refusePayloadContaining = null;
        assertThat(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN)))
                .as("the state is unknown: no fast path until a full run read the kernel")
                .isEmpty();
        RunResult full = r.run(snapshot(1, cluster()), health("198.51.100.1", DOWN));
        assertThat(full.errors()).isEmpty();
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 1, "198.51.100.2", 1));
        fk.calls.clear();
        assertThat(edits(r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN, "198.51.100.3", DOWN))))
                .as("after the full run the fast path is back: pool 2's server fails over to its backup")
                .containsExactly(
                        new Change.ServerAdd(M2, ip("198.51.100.13"), 2),
                        new Change.ServerDelete(M2, ip("198.51.100.3")));
    }

    @Test
    void thePureRuleSaysWhyItLeavesAChangeToTheFullRun() {
        DesiredSnapshot snap = snapshot(1, cluster());
        FastPath.Decision d = FastPath.decide(
                null,
                1,
                snap,
                HealthView.ALL_UP,
                Map.of(),
                false,
                0,
                HOLD_5S,
                Names.DEFAULT,
                Set.of(),
                new LoadWeigher(LoadWeightSettings.OFF, 1),
                Map.of());
        assertThat(d).isInstanceOf(FastPath.Full.class);
        assertThat(((FastPath.Full) d).reason()).contains("not known");
    }

    // load-fed weights (decision 100) on the fast path: pool 1 weighed by viewers, capacity 1000 per server, 10 %
    // hysteresis, 30 s least interval; the weight-1 servers get full weight 100 (factor 100)
    static final long LEAST_INTERVAL_MS = 30_000;
    static final LoadWeightSettings WEIGHTS = new LoadWeightSettings(
            Map.of(M1, new LoadWeightSettings.PoolLoad(LoadWeightSettings.Basis.VIEWERS, 1000, Map.of())),
            10,
            LEAST_INTERVAL_MS);

    final Map<Ipv4Address, ServerStreams> inv = new HashMap<>();

    void viewers(String server, int n) {
        Ipv4Address a = ip(server);
        long now = clock.get();
        inv.put(
                a,
                new ServerStreams(
                        a,
                        true,
                        "",
                        List.of(new ServerStreams.Stream("live", "cam1", true, n, 0)),
                        0,
                        "unit-checker",
                        now,
                        now));
    }

    Reconciler weighted(Policy policy) {
        return reconciler(policy).loadWeights(new LoadWeigher(WEIGHTS, 15_000));
    }

    static int loadWeight(RunResult r, String server) {
        return r.desired().pools().stream()
                .filter(p -> p.mark() == 1)
                .flatMap(p -> p.loadWeights().stream())
                .filter(w -> w.server().equals(server))
                .mapToInt(AgentStatus.LoadWeight::weight)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aWeightedPoolFailsOverByTheFastPathWithTheWeighersWeightsAndTheFollowUpFullRunChangesNothing() {
        Reconciler r = weighted(HOLD_5S);
        viewers("198.51.100.1", 500); // -> 50
        viewers("198.51.100.2", 200); // -> 80
        viewers("198.51.100.11", 750); // the backup, weighed by its own load -> 25
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP, inv).errors())
                .isEmpty();
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 50, "198.51.100.2", 80));
        fk.calls.clear();
        clock.addAndGet(2_000);

        Optional<RunResult> fast = r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);

        assertThat(edits(fast))
                .as("the backup goes in at the weigher's weight, not its configured 1 x 100")
                .containsExactly(
                        new Change.ServerAdd(M1, ip("198.51.100.11"), 25),
                        new Change.ServerDelete(M1, ip("198.51.100.1")));
        assertThat(fk.calls).as("one process, no read").containsExactly("ipvsadm -R");
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 25, "198.51.100.2", 80));
        assertThat(loadWeight(fast.get(), "198.51.100.11"))
                .as("the status shows the weighed backup")
                .isEqualTo(25);

        clock.addAndGet(1_000); // the follow-up full run (ReconcileLoop.FOLLOW_UP)
        fk.calls.clear();
        RunResult full = r.run(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);
        assertThat(full.errors()).isEmpty();
        assertThat(full.drift()).as("the fast edit is what the kernel holds").isEmpty();
        assertThat(full.plan().changes())
                .as("the full run chooses the same weights: nothing to change")
                .isEmpty();
        assertThat(fk.calls).noneMatch(c -> c.startsWith("ipvsadm -R"));
        assertThat(r.loadWeigher().changes()).as("first weights are no changes").isZero();
    }

    @Test
    void theFastPathKeepsTheWeighersLeastIntervalAndHysteresisAndTheFullRunsAfterItAgree() {
        Reconciler r = weighted(HOLD_5S);
        viewers("198.51.100.1", 500);
        viewers("198.51.100.2", 200);
        viewers("198.51.100.11", 750);
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP, inv).errors())
                .isEmpty();
        clock.addAndGet(1_000);
        viewers("198.51.100.2", 700); // -> 30: a change, its least interval starts now
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP, inv).plan().changes())
                .containsExactly(new Change.ServerEdit(M1, ip("198.51.100.2"), 30));
        long changedAt = clock.get();
        clock.addAndGet(4_000);
        viewers("198.51.100.2", 100); // -> 90, past the hysteresis but 4 s after the last change: held
        viewers("198.51.100.11", 760); // -> 24: within 10 % of nothing yet (a first weight) -> set as is
        fk.calls.clear();

        Optional<RunResult> fast = r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);

        assertThat(edits(fast))
                .as("the failover only: .2's held change does not ride along")
                .containsExactly(
                        new Change.ServerAdd(M1, ip("198.51.100.11"), 24),
                        new Change.ServerDelete(M1, ip("198.51.100.1")));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 24, "198.51.100.2", 30));
        assertThat(r.needsPolling()).as("a held change: the loop polls").isTrue();

        clock.addAndGet(1_000);
        viewers("198.51.100.11", 740); // -> 26: within 10 % of 24, held by the hysteresis the fast edit set
        RunResult followUp = r.run(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);
        assertThat(followUp.errors()).isEmpty();
        assertThat(followUp.plan().changes()).isEmpty();

        clock.set(changedAt + LEAST_INTERVAL_MS);
        viewers("198.51.100.11", 740);
        viewers("198.51.100.2", 100);
        RunResult later = r.run(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);
        assertThat(later.plan().changes())
                .as("the held change goes through at the end of its least interval, once")
                .containsExactly(new Change.ServerEdit(M1, ip("198.51.100.2"), 90));
        assertThat(r.loadWeigher().changes()).isEqualTo(2);
        assertThat(r.needsPolling()).isFalse();
    }

    @Test
    void aWeightedFastPathLeftToTheFullRunOrRefusedByTheKernelChangesNoWeigherMemory() {
        Reconciler r = weighted(HOLD_5S);
        viewers("198.51.100.1", 500);
        viewers("198.51.100.2", 200);
        viewers("198.51.100.11", 750);
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP, inv).errors())
                .isEmpty();
        clock.addAndGet(1_000);
        viewers("198.51.100.2", 700); // -> 30: a change the weigher would count

        assertThat(r.fastRun(snapshot(2, cluster()), health("198.51.100.1", DOWN), inv))
                .as("a generation the last run did not apply")
                .isEmpty();
        assertThat(r.loadWeigher().changes())
                .as("nothing applied, nothing counted")
                .isZero();

        fk.refusePayloadContaining = "198.51.100.11";
        Optional<RunResult> refused = r.fastRun(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);
        assertThat(refused).isPresent();
        assertThat(refused.get().ok()).isFalse();
        assertThat(r.loadWeigher().changes())
                .as("a refused edit moves no memory either")
                .isZero();

        fk.refusePayloadContaining = null;
        clock.addAndGet(1_000);
        RunResult full = r.run(snapshot(1, cluster()), health("198.51.100.1", DOWN), inv);
        assertThat(full.errors()).isEmpty();
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 25, "198.51.100.2", 30));
        assertThat(r.loadWeigher().changes())
                .as("counted once, by the run that applied it")
                .isEqualTo(1);
        assertThat(r.needsPolling()).isFalse();
    }

    @Test
    void thePureRuleWeighsAsTheFullRunsApplyWouldOnTheSameInputsAndCommitsNothing() {
        // the state a full run of generation 1 applied, all up, with these inventories
        Reconciler r = weighted(HOLD_5S);
        viewers("198.51.100.1", 500);
        viewers("198.51.100.2", 200);
        viewers("198.51.100.11", 300);
        r.run(snapshot(1, cluster()), HealthView.ALL_UP, inv);
        KernelState applied = new Kernel(fk, Tools.DEFAULT, Names.DEFAULT).read(KernelCapabilities.FULL);
        LoadWeigher twin = new LoadWeigher(WEIGHTS, 15_000); // the same past, through the full run's apply
        DesiredSnapshot snap = snapshot(1, cluster());
        twin.apply(
                DesiredKernel.compute(
                        snap.state(),
                        HealthView.ALL_UP,
                        applied,
                        Map.of(),
                        clock.get(),
                        HOLD_5S,
                        Names.DEFAULT,
                        Set.of(M1, M2)),
                snap.state(),
                applied,
                inv,
                clock.get());
        LoadWeigher mine = new LoadWeigher(WEIGHTS, 15_000);
        mine.apply(
                DesiredKernel.compute(
                        snap.state(),
                        HealthView.ALL_UP,
                        applied,
                        Map.of(),
                        clock.get(),
                        HOLD_5S,
                        Names.DEFAULT,
                        Set.of(M1, M2)),
                snap.state(),
                applied,
                inv,
                clock.get());
        long now = clock.addAndGet(3_000);
        viewers("198.51.100.2", 600); // -> 40: a change rides along with the failover
        HealthView down = health("198.51.100.1", DOWN);

        FastPath.Decision d = FastPath.decide(
                applied, 1, snap, down, Map.of(), false, now, HOLD_5S, Names.DEFAULT, Set.of(M1, M2), mine, inv);

        assertThat(d).isInstanceOf(FastPath.Edits.class);
        FastPath.Edits e = (FastPath.Edits) d;
        DesiredKernel full = twin.apply(
                DesiredKernel.compute(
                        snap.state(), down, applied, Map.of(), now, HOLD_5S, Names.DEFAULT, Set.of(M1, M2)),
                snap.state(),
                applied,
                inv,
                now);
        assertThat(e.desired()).as("what the full run would choose").isEqualTo(full);
        assertThat(e.applied().services()).isEqualTo(full.state().services());
        assertThat(e.ipvs().changes())
                .containsExactly(
                        new Change.ServerEdit(M1, ip("198.51.100.2"), 40),
                        new Change.ServerAdd(M1, ip("198.51.100.11"), 70),
                        new Change.ServerDelete(M1, ip("198.51.100.1")));
        assertThat(mine.changes()).as("deciding commits nothing").isZero();
        mine.commit(e.weights());
        assertThat(mine.changes()).isEqualTo(twin.changes()).isEqualTo(1);
    }

    static HealthVerdict verdict(String server, boolean up, long sequence) {
        return new HealthVerdict(
                Ipv4Address.parse(server),
                up ? Verdict.UP : Verdict.DOWN,
                ProbeLevel.RTMP,
                up ? "ok" : "failed",
                1000,
                "unit-checker",
                sequence,
                System.currentTimeMillis());
    }
}
