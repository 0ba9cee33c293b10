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
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.desired.ServerHealth;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Maintenance;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client fast path's rule ({@link ClientFastPath}: which new generations become one set edit, which go to the
 * full run) and {@link Reconciler#fastRun} for a new generation on the state-based fake kernel (one ipset batch, no
 * kernel read, the follow-up full run finds no drift, a refused edit makes the next run a full one).
 */
class ClientFastPathTest {
    static final Fwmark M1 = new Fwmark(1);
    static final Fwmark M2 = new Fwmark(2);
    static final Ipv4Network C10 = Ipv4Network.parse("203.0.113.10");
    static final Ipv4Network C20 = Ipv4Network.parse("203.0.113.20");
    static final Ipv4Network NET = Ipv4Network.parse("203.0.113.0/24");

    @TempDir
    Path dir;

    final FakeKernel fk = new FakeKernel();
    final AtomicLong clock = new AtomicLong(1_000_000);

    /** The kernel state a full run of {@code s} applies (what the decision diffs against). */
    static KernelState appliedFor(DesiredState s) {
        return DesiredKernel.compute(
                        s, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), 0, Policy.DEFAULT, Names.DEFAULT)
                .state();
    }

    static ClientFastPath.Decision decide(DesiredState before, DesiredState after) {
        return ClientFastPath.decide(
                appliedFor(before), before, 1, HealthView.ALL_UP, snapshot(2, after), HealthView.ALL_UP, true);
    }

    static ClientFastPath.Edits edits(ClientFastPath.Decision d) {
        assertThat(d).as("fast: %s", d).isInstanceOf(ClientFastPath.Edits.class);
        return (ClientFastPath.Edits) d;
    }

    static String full(ClientFastPath.Decision d) {
        assertThat(d).as("full: %s", d).isInstanceOf(ClientFastPath.Full.class);
        return ((ClientFastPath.Full) d).reason();
    }

    static DesiredState withClients(DesiredState s, Map<Ipv4Network, Fwmark> clients) {
        return new DesiredState(s.params(), new TreeMap<>(clients), s.pools(), s.backups(), s.maintenance());
    }

    @Test
    void aClientMovedToAnotherPoolIsOneAddExistAndTheAppliedSetFollows() {
        DesiredState before = cluster();
        DesiredState after = before.withClient(C10, M1);

        ClientFastPath.Edits e = edits(decide(before, after));

        assertThat(e.edit().put()).containsExactlyEntriesOf(Map.of(C10, M1));
        assertThat(e.edit().delete()).isEmpty();
        assertThat(e.applyTo(appliedFor(before).set()))
                .as("what the full run would apply")
                .isEqualTo(appliedFor(after).set());
    }

    @Test
    void addedAndRemovedClientsAreAddsAndDels() {
        DesiredState before = cluster();
        DesiredState after = before.withClient(C20, M2).withClient(C10, null);

        ClientFastPath.Edits e = edits(decide(before, after));

        assertThat(e.edit().put()).containsExactlyEntriesOf(Map.of(C20, M2));
        assertThat(e.edit().delete()).containsExactly(C10);
        assertThat(e.applyTo(appliedFor(before).set()))
                .isEqualTo(appliedFor(after).set());
    }

    @Test
    void removingTheEntryOfTheClientsNetworkItselfPutsItBackAtTheDefaultMarkAsTheFullRunDoes() {
        DesiredState before = cluster().withClient(NET, M2);
        DesiredState after = cluster();

        ClientFastPath.Edits e = edits(decide(before, after));

        assertThat(e.edit().put()).as("the default entry, not a delete").containsExactlyEntriesOf(Map.of(NET, M1));
        assertThat(e.edit().delete()).isEmpty();
        assertThat(e.applyTo(appliedFor(before).set()))
                .isEqualTo(appliedFor(after).set());
        assertThat(edits(decide(cluster(), cluster().withClient(NET, M1))).size())
                .as("an entry naming the clients' network at the default mark changes nothing in the set")
                .isZero();
    }

    @Test
    void aGenerationThatChangesNothingIsAnEmptyEdit() {
        assertThat(edits(decide(cluster(), cluster())).size()).isZero();
    }

    @Test
    void anyChangeBesideTheClientEntriesGoesToTheFullRun() {
        DesiredState base = cluster();
        ClusterParams p = base.params();
        DesiredState defaultMark = base.withParams(new ClusterParams(
                        p.vip(), p.clientNetwork(), p.mailTo(), p.persistenceSeconds(), M2, p.defaultScheduler()))
                .withClient(C20, M2);
        assertThat(full(decide(base, defaultMark))).contains("parameters");
        DesiredState pool = base.withPool(
                        M2, new Pool(M2, Scheduler.RR, List.of(new RealServer(ip("198.51.100.4"), 2))))
                .withClient(C20, M2);
        assertThat(full(decide(base, pool))).contains("pools");
        assertThat(full(decide(base, base.withBackup(ip("198.51.100.2"), ip("198.51.100.12")))))
                .contains("backups");
        Ipv4Address s = ip("198.51.100.2");
        assertThat(full(decide(base, base.withMaintenance(s, new Maintenance(s, 1, 2, "op")))))
                .contains("maintenance");
    }

    @Test
    void anUnknownKernelPlanOnlySteeringTheSameGenerationOrAHealthChangeGoToTheFullRun() {
        DesiredState before = cluster();
        DesiredState after = before.withClient(C10, M1);
        KernelState applied = appliedFor(before);
        HealthView up = HealthView.ALL_UP;
        HealthView down = new HealthView(Map.of(ip("198.51.100.2"), new ServerHealth(false, 1)), false);

        assertThat(full(ClientFastPath.decide(null, before, 1, up, snapshot(2, after), up, true)))
                .contains("not known");
        assertThat(full(ClientFastPath.decide(applied, before, 1, up, snapshot(2, after), up, false)))
                .contains("plan-only");
        assertThat(full(ClientFastPath.decide(applied, before, 2, up, snapshot(2, after), up, true)))
                .contains("same generation");
        assertThat(full(ClientFastPath.decide(applied, before, 1, up, snapshot(2, after), down, true)))
                .contains("health");
        assertThat(full(ClientFastPath.decide(applied.withSet(null), before, 1, up, snapshot(2, after), up, true)))
                .contains("no steering set");
    }

    @Test
    void moreEntriesThanTheBoundGoToTheFullRunWhichReplacesTheSet() {
        DesiredState before = cluster();
        TreeMap<Ipv4Network, Fwmark> many = new TreeMap<>(before.clients());
        for (int i = 0; i < Math.max(ClientFastPath.MAX_ENTRIES, 300); i++)
            many.put(new Ipv4Network(new Ipv4Address(0x0A000000 + i), 32), M2);

        assertThat(full(decide(before, withClients(before, many)))).contains("client entries changed");
        TreeMap<Ipv4Network, Fwmark> moved = new TreeMap<>();
        for (int i = 0; i < 300; i++) moved.put(new Ipv4Network(new Ipv4Address(0x0A000000 + i), 32), M1);
        DesiredState three100 = withClients(before, moved);
        TreeMap<Ipv4Network, Fwmark> back = new TreeMap<>(moved);
        back.replaceAll((n, m) -> M2);
        assertThat(full(decide(three100, withClients(before, back))))
                .as("300 changes on a set of 301: more than the planner's in-place limit (256)")
                .contains("more than 256");
        TreeMap<Ipv4Network, Fwmark> some = new TreeMap<>(moved);
        moved.keySet().stream().limit(250).forEach(n -> some.put(n, M2));
        assertThat(edits(decide(three100, withClients(before, some))).size())
                .as("the walk counts changes, not entries")
                .isEqualTo(250);
    }

    @Test
    void aSetThatMustGrowGoesToTheFullRun() {
        DesiredState base = cluster();
        TreeMap<Ipv4Network, Fwmark> c = new TreeMap<>();
        for (int i = 0; i < 32_767; i++) c.put(new Ipv4Network(new Ipv4Address(0x0A000000 + i), 32), M2);
        DesiredState before = withClients(base, c); // 32,767 entries + the default: maxelem 65,536
        assertThat(appliedFor(before).set().maxelem()).isEqualTo(65_536);

        assertThat(full(decide(before, before.withClient(C20, M2)))).contains("maxelem");
        assertThat(edits(decide(before, before.withClient(c.firstKey(), M1))).size())
                .as("a move in a full set")
                .isEqualTo(1);
    }

    @Test
    void aMarkWithNoPoolGoesToTheFullRun() {
        DesiredState before = cluster();
        DesiredState after = before.withClient(C20, new Fwmark(7)); // the rules refuse it; checked again

        assertThat(full(decide(before, after))).contains("no pool");
    }

    Reconciler reconciler() {
        return new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.FULL,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                clock::get);
    }

    @Test
    void aNewGenerationThatMovesAClientIsOneIpsetBatchWithoutReadingTheKernelAndTheFullRunAfterFindsNoDrift() {
        Reconciler r = reconciler();
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).errors()).isEmpty();
        fk.calls.clear();

        Optional<RunResult> fast = r.fastRun(snapshot(2, cluster().withClient(C10, M1)), HealthView.ALL_UP);

        assertThat(fast).isPresent();
        assertThat(fast.get().errors()).isEmpty();
        assertThat(fast.get().generation()).isEqualTo(2);
        assertThat(fast.get().plan().changes())
                .containsExactly(new Change.SetUpdate(new TreeMap<>(Map.of(C10, M1)), List.of()));
        assertThat(fast.get().desired().pools())
                .as("the status keeps the pools")
                .hasSize(2);
        assertThat(fk.calls).as("one batch, no read").containsExactly("ipset restore");
        assertThat(fk.sets.get(Names.DEFAULT.set()).members).containsEntry("203.0.113.10", "0x1");

        DesiredState third = cluster().withClient(C10, null).withClient(C20, M2);
        assertThat(r.fastRun(snapshot(3, third), HealthView.ALL_UP))
                .as("a second edit")
                .isPresent();
        assertThat(fk.sets.get(Names.DEFAULT.set()).members)
                .containsEntry("203.0.113.20", "0x2")
                .doesNotContainKey("203.0.113.10");

        RunResult follow = r.run(snapshot(3, third), HealthView.ALL_UP);
        assertThat(follow.errors()).isEmpty();
        assertThat(follow.drift()).as("both edits merged into the applied set").isEmpty();
        assertThat(follow.plan().isEmpty())
                .as("the fast edits left nothing to do")
                .isTrue();

        assertThat(r.fastRun(snapshot(3, third), HealthView.ALL_UP))
                .as("the same generation is the verdict path's: nothing to change, full")
                .isEmpty();
    }

    @Test
    void aRefusedEditMakesTheStateUnknownAndTheNextGenerationGoesToTheFullRun() {
        Reconciler r = reconciler();
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).errors()).isEmpty();
        fk.refusePayloadContaining = "203.0.113.10";

        Optional<RunResult> fast = r.fastRun(snapshot(2, cluster().withClient(C10, M1)), HealthView.ALL_UP);

        assertThat(fast).isPresent();
        assertThat(fast.get().ok()).isFalse();
        fk.refusePayloadContaining = null;
        assertThat(r.fastRun(snapshot(3, cluster().withClient(C10, M2)), HealthView.ALL_UP))
                .as("unknown state: the full run")
                .isEmpty();
        RunResult full = r.run(snapshot(3, cluster().withClient(C10, M2)), HealthView.ALL_UP);
        assertThat(full.errors()).isEmpty();
        assertThat(fk.sets.get(Names.DEFAULT.set()).members).containsEntry("203.0.113.10", "0x2");
        assertThat(r.fastRun(snapshot(4, cluster()), HealthView.ALL_UP))
                .as("known again after the full run")
                .isPresent();
    }

    @Test
    void steeringOnlyCarriesTheIpvsChangesTheLastRunCouldNotApply() {
        Reconciler r = new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                new KernelCapabilities(true, false, "no IPVS"),
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                clock::get);
        RunResult first = r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(first.notApplied()).isNotEmpty();

        Optional<RunResult> fast = r.fastRun(snapshot(2, cluster().withClient(C10, M1)), HealthView.ALL_UP);

        assertThat(fast).isPresent();
        assertThat(fast.get().errors()).isEmpty();
        assertThat(fast.get().notApplied()).isEqualTo(first.notApplied());
        assertThat(fk.sets.get(Names.DEFAULT.set()).members).containsEntry("203.0.113.10", "0x1");
        Reconciler planOnly = new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.NONE,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned2")),
                null,
                null,
                SyncDaemon.NONE,
                clock::get);
        planOnly.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(planOnly.fastRun(snapshot(2, cluster().withClient(C10, M1)), HealthView.ALL_UP))
                .as("plan-only: nothing is applied, the full run reports")
                .isEmpty();
    }
}
