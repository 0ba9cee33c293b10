package io.videolb.agent;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.desired.ServerHealth;
import io.videolb.agent.desired.Substitution;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.agent.plan.Planner;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Table-driven: desired state + health + kernel before -> kernel after, through the real parsers, planner, renderer and a fake that parses the payloads. */
class ReconcileTableTest {
    @TempDir
    Path dir;

    final FakeKernel fk = new FakeKernel();
    final AtomicLong clock = new AtomicLong(1_000_000);
    Reconciler reconciler;

    Reconciler reconciler(Policy policy) {
        Kernel k = new Kernel(fk, Tools.DEFAULT, Names.DEFAULT);
        return new Reconciler(
                k,
                KernelCapabilities.FULL,
                policy,
                new Ownership(dir.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                clock::get);
    }

    RunResult run(DesiredState s, HealthView h) {
        if (reconciler == null) reconciler = reconciler(new Policy(0.5, 60_000, 10_000));
        RunResult r = reconciler.run(snapshot(1, s), h);
        assertThat(r.errors()).isEmpty();
        return r;
    }

    static HealthView health(Object... pairs) {
        Map<Ipv4Address, ServerHealth> m = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put(ip((String) pairs[i]), (ServerHealth) pairs[i + 1]);
        return new HealthView(m, false);
    }

    static ServerHealth down() {
        return new ServerHealth(false, 1);
    }

    static ServerHealth upSince(long t) {
        return new ServerHealth(true, t);
    }

    Map<String, String> members() {
        return fk.sets.get("videolb-clients").members;
    }

    @Test
    void anEmptyKernelGetsServicesServersSetRuleAndJumpAndASecondRunChangesNothing() {
        RunResult first = run(cluster(), HealthView.ALL_UP);
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1));
        assertThat(fk.weights(2)).isEqualTo(Map.of("198.51.100.3", 2));
        assertThat(fk.services.get(1L).sched).isEqualTo("wlc");
        assertThat(fk.services.get(1L).persistence).isEqualTo(300);
        assertThat(members())
                .containsEntry("203.0.113.10", "0x2")
                .containsEntry("203.0.113.0/24", "0x1")
                .hasSize(2);
        assertThat(fk.mangle.get("PREROUTING")).containsExactly("-j VIDEOLB-STEER");
        assertThat(fk.mangle.get("VIDEOLB-STEER"))
                .containsExactly(
                        "-d 192.0.2.10/32 -p tcp -m multiport --dports 1935,8080 -m set --match-set videolb-clients src -j SET --map-set videolb-clients src --map-mark");
        // order of the payloads: IPVS adds (one payload per pool, the unit of failure), then ipset, then iptables
        List<String> tools =
                fk.payloads.stream().map(p -> p.substring(0, p.indexOf('\n'))).collect(Collectors.toList());
        assertThat(tools).containsExactly("ipvsadm -R", "ipvsadm -R", "ipset restore", "iptables-restore --noflush");
        assertThat(first.applied()).isNotEmpty();

        int before = fk.payloads.size();
        RunResult second = run(cluster(), HealthView.ALL_UP);
        assertThat(second.plan().isEmpty()).isTrue();
        assertThat(second.drift()).isEmpty();
        assertThat(fk.payloads).hasSize(before);
    }

    @Test
    void aDeadServerIsRemovedAtOnceAndItsBackupTakesItsWeight() {
        run(cluster(), HealthView.ALL_UP);
        fk.connections(1, "198.51.100.1", 5, 7);
        RunResult r = run(cluster(), health("198.51.100.1", down()));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 1, "198.51.100.2", 1));
        assertThat(r.desired().pools().get(0).substitutions()).containsExactly("198.51.100.1->198.51.100.11");
        assertThat(r.desired().substitutions())
                .containsExactly(new Substitution(
                        new Fwmark(1), ip("198.51.100.1"), ip("198.51.100.11"), Substitution.Cause.SERVER_DOWN));
        assertThat(r.desired().holdDownPending()).isFalse();
        assertThat(reconciler.needsPolling())
                .as("a failover alone changes nothing with time")
                .isFalse();
    }

    @Test
    void aDownBackupIsNeverSubstituted() {
        run(cluster(), HealthView.ALL_UP);
        run(cluster(), health("198.51.100.1", down(), "198.51.100.11", down()));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.2", 1));
    }

    @Test
    void moreThanTheShareOfAPoolDownAtOnceWithNoBackupToReplaceThemKeepsEveryServerAndReportsPanic() {
        run(cluster(), HealthView.ALL_UP);
        RunResult r = run(cluster(), health("198.51.100.1", down(), "198.51.100.2", down(), "198.51.100.11", down()));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1));
        assertThat(r.desired().pools().get(0).panic()).isTrue();
        assertThat(r.desired().pools().get(0).down()).containsExactly("198.51.100.1", "198.51.100.2");
    }

    @Test
    void aSingleServerPoolWhoseServerIsDownFailsOverToItsBackupInsteadOfPanicking() {
        run(cluster(), HealthView.ALL_UP);
        RunResult r = run(cluster(), health("198.51.100.3", down()));
        assertThat(fk.weights(2)).isEqualTo(Map.of("198.51.100.13", 2));
        assertThat(r.desired().pools().get(1).panic()).isFalse();
        assertThat(r.desired().pools().get(1).substitutions()).containsExactly("198.51.100.3->198.51.100.13");
    }

    @Test
    void primariesDownWhileTheCheckerSeesTheirBackupUpAreReplacedNotKept() {
        run(cluster(), HealthView.ALL_UP);
        RunResult r = run(cluster(), health("198.51.100.1", down(), "198.51.100.2", down()));
        assertThat(fk.weights(1))
                .as("the backup replaces .1; .2 has none and goes")
                .isEqualTo(Map.of("198.51.100.11", 1));
        assertThat(r.desired().pools().get(0).panic()).isFalse();
    }

    @Test
    void failbackWaitsForTheHoldDownThenDrainsTheBackupUntilItsConnectionsEnd() {
        run(cluster(), HealthView.ALL_UP);
        run(cluster(), health("198.51.100.1", down()));
        fk.connections(1, "198.51.100.11", 3, 1);
        long upAt = clock.get();
        clock.addAndGet(1_000);
        RunResult held = run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1)).as("still in hold-down").isEqualTo(Map.of("198.51.100.11", 1, "198.51.100.2", 1));
        assertThat(held.desired().substitutions())
                .containsExactly(new Substitution(
                        new Fwmark(1), ip("198.51.100.1"), ip("198.51.100.11"), Substitution.Cause.FAILBACK_HOLD_DOWN));
        assertThat(held.desired().pools().get(0).substitutions())
                .as("as published")
                .containsExactly("198.51.100.1->198.51.100.11 (hold-down)");
        assertThat(reconciler.needsPolling())
                .as("no event ends a hold-down: the loop must poll")
                .isTrue();
        assertThat(reconciler.draining()).isFalse();

        clock.addAndGet(20_000);
        RunResult r = run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1))
                .as("server back, backup drained at weight 0")
                .isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.11", 0, "198.51.100.2", 1));
        assertThat(r.desired().drainStatus()).singleElement().satisfies(d -> {
            assertThat(d.server()).isEqualTo("198.51.100.11");
            assertThat(d.reason()).isEqualTo("failback");
            assertThat(d.activeConns()).isEqualTo(3);
        });
        assertThat(reconciler.draining()).isTrue();

        clock.addAndGet(1_000);
        run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1)).as("connections remain").containsKey("198.51.100.11");

        fk.connections(1, "198.51.100.11", 0, 0);
        run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1));
        assertThat(reconciler.draining()).isFalse();
        assertThat(reconciler.needsPolling())
                .as("no hold-down, no drain: nothing changes with time alone")
                .isFalse();
    }

    @Test
    void anAgentRestartedInTheMiddleOfAMaintenanceDrainKeepsTheDeadlineFromDesiredState() {
        run(cluster(), HealthView.ALL_UP);
        fk.connections(1, "198.51.100.1", 4, 0);
        long deadline = clock.get() + 600_000; // `videolb server drain 198.51.100.1 --deadline 10m`
        DesiredState drained = cluster()
                .withMaintenance(
                        ip("198.51.100.1"),
                        new io.videolb.model.Maintenance(ip("198.51.100.1"), clock.get(), deadline, "ops"));
        RunResult first = run(drained, HealthView.ALL_UP);
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 0, "198.51.100.11", 1, "198.51.100.2", 1));
        assertThat(first.desired().drainStatus().get(0).deadlineAtMs()).isEqualTo(deadline);

        // the agent restarts 8 minutes later: a new Reconciler (no drain in memory) over the same kernel
        clock.addAndGet(480_000);
        reconciler = null;
        RunResult restarted = run(drained, HealthView.ALL_UP);
        assertThat(restarted.desired().drainStatus()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("maintenance");
            assertThat(d.deadlineAtMs())
                    .as("the record's deadline, not now + drain timeout")
                    .isEqualTo(deadline);
            assertThat(d.activeConns()).isEqualTo(4);
        });
        assertThat(fk.weights(1)).containsEntry("198.51.100.1", 0);
        assertThat(reconciler.needsPolling()).isTrue();

        // at the deadline the server goes, live connections or not, and stays out
        clock.set(deadline);
        run(drained, HealthView.ALL_UP);
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.11", 1, "198.51.100.2", 1));
        clock.addAndGet(5_000);
        run(drained, HealthView.ALL_UP);
        assertThat(fk.weights(1)).doesNotContainKey("198.51.100.1");
        // enabled: back with its weight, the backup drains
        run(cluster(), HealthView.ALL_UP);
        assertThat(fk.weights(1)).containsEntry("198.51.100.1", 1);
    }

    @Test
    void aRemovedPoolDrainsUntilItsConnectionsEndInsteadOfBeingDeletedAtOnce() {
        run(cluster(), HealthView.ALL_UP);
        fk.connections(2, "198.51.100.3", 2, 0);
        DesiredState without =
                cluster().withClient(Ipv4Network.parse("203.0.113.10"), null).withPool(new Fwmark(2), null);
        without = without.withBackup(ip("198.51.100.3"), null);
        RunResult r = run(without, HealthView.ALL_UP);
        assertThat(fk.services).containsKey(2L);
        assertThat(fk.weights(2)).isEqualTo(Map.of("198.51.100.3", 0));
        assertThat(r.desired().drainStatus())
                .singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("pool removed"));
        fk.connections(2, "198.51.100.3", 0, 1);
        clock.addAndGet(2_000);
        run(without, HealthView.ALL_UP);
        assertThat(fk.services).doesNotContainKey(2L);
    }

    @Test
    void aRemovedPoolsDrainKeepsItsDeadlineAcrossAnAgentRestart() throws Exception {
        run(cluster(), HealthView.ALL_UP);
        fk.connections(2, "198.51.100.3", 2, 0);
        DesiredState without = cluster()
                .withClient(Ipv4Network.parse("203.0.113.10"), null)
                .withPool(new Fwmark(2), null)
                .withBackup(ip("198.51.100.3"), null);
        long startedAt = clock.get();
        RunResult r = run(without, HealthView.ALL_UP);
        assertThat(r.desired().drainStatus()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("pool removed");
            assertThat(d.deadlineAtMs()).isEqualTo(startedAt + 60_000);
        });
        assertThat(Files.readString(dir.resolve("drains")))
                .as("the drain in the state directory, beside the owned fwmarks")
                .contains("2 198.51.100.3 " + startedAt + " " + (startedAt + 60_000) + " pool removed");

        clock.addAndGet(40_000);
        reconciler = reconciler(new Policy(0.5, 60_000, 10_000)); // the agent restarted; the kernel kept its state
        r = run(without, HealthView.ALL_UP);
        assertThat(r.desired().drainStatus())
                .as("the restarted agent goes on with the same drain")
                .singleElement()
                .satisfies(d -> {
                    assertThat(d.startedAtMs()).isEqualTo(startedAt);
                    assertThat(d.deadlineAtMs()).isEqualTo(startedAt + 60_000);
                });
        assertThat(fk.weights(2)).isEqualTo(Map.of("198.51.100.3", 0));

        clock.addAndGet(25_000); // 65 s after the drain began, 25 s after the restart; viewers still on it
        run(without, HealthView.ALL_UP);
        assertThat(fk.services)
                .as("deleted at the first deadline, not 60 s after the restart")
                .doesNotContainKey(2L);
        assertThat(Files.readString(dir.resolve("drains"))).doesNotContain("198.51.100.3");
    }

    @Test
    void aDrainEndsWhenNoConnectionIsActiveEvenWhileClosedOnesLingerInInActConn() {
        // DR: the director never sees the server's FIN, so closed connections stay in InActConn
        // (FIN_WAIT/TIME_WAIT) for minutes; only ActiveConn says whether a stream is still open
        run(cluster(), HealthView.ALL_UP);
        run(cluster(), health("198.51.100.1", down()));
        long upAt = clock.get();
        clock.addAndGet(11_000); // past the hold-down
        fk.connections(1, "198.51.100.11", 1, 6);
        RunResult r = run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1))
                .as("weight 0 first: no new connections to the backup")
                .containsEntry("198.51.100.11", 0);

        clock.addAndGet(2_000);
        r = run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1)).as("one stream still open: the drain goes on").containsEntry("198.51.100.11", 0);
        assertThat(r.desired().drainStatus()).singleElement().satisfies(d -> {
            assertThat(d.activeConns()).isEqualTo(1);
            assertThat(d.inactiveConns()).isEqualTo(6);
        });
        assertThat(reconciler.draining()).isTrue();

        fk.connections(1, "198.51.100.11", 0, 7); // the stream ended; its entry joins the closed ones
        clock.addAndGet(2_000);
        r = run(cluster(), health("198.51.100.1", upSince(upAt)));
        assertThat(fk.weights(1))
                .as("deleted long before the 60 s deadline although InActConn is 7")
                .isEqualTo(Map.of("198.51.100.1", 1, "198.51.100.2", 1));
        assertThat(r.desired().drainStatus()).singleElement().satisfies(d -> {
            assertThat(d.pastDeadline()).isFalse();
            assertThat(d.activeConns()).isZero();
            assertThat(d.inactiveConns()).isEqualTo(7);
        });
        assertThat(reconciler.draining()).isFalse();
    }

    @Test
    void aDrainEndsAtItsDeadlineEvenWithConnectionsLeft() {
        run(cluster(), HealthView.ALL_UP);
        DesiredState without2 = cluster()
                .withPool(
                        new Fwmark(1),
                        new io.videolb.model.Pool(
                                new Fwmark(1),
                                io.videolb.model.Scheduler.WLC,
                                List.of(new io.videolb.model.RealServer(ip("198.51.100.1"), 1))));
        fk.connections(1, "198.51.100.2", 9, 9);
        run(without2, HealthView.ALL_UP);
        assertThat(fk.weights(1)).containsEntry("198.51.100.2", 0);
        clock.addAndGet(61_000);
        RunResult r = run(without2, HealthView.ALL_UP);
        assertThat(fk.weights(1)).isEqualTo(Map.of("198.51.100.1", 1));
        assertThat(r.desired().drainStatus())
                .singleElement()
                .satisfies(d -> assertThat(d.pastDeadline()).isTrue());
    }

    @Test
    void driftMadeByHandIsReportedAndRepaired() {
        run(cluster(), HealthView.ALL_UP);
        fk.services.remove(2L); // ipvsadm -D -f 2 by hand
        fk.mangle.get("PREROUTING").clear(); // jump deleted by hand
        members().put("203.0.113.10", "0x7"); // mark changed by hand
        RunResult r = run(cluster(), HealthView.ALL_UP);
        assertThat(r.drift())
                .hasSize(4)
                .anyMatch(d -> d.contains("fwmark service 2"))
                .anyMatch(d -> d.contains("jump"))
                .anyMatch(d -> d.contains("203.0.113.10/32 -> 2"));
        assertThat(fk.weights(2)).isEqualTo(Map.of("198.51.100.3", 2));
        assertThat(fk.mangle.get("PREROUTING")).containsExactly("-j VIDEOLB-STEER");
        assertThat(members()).containsEntry("203.0.113.10", "0x2");
    }

    @Test
    void oneClientChangeIsOneAddExistLine() {
        run(cluster(), HealthView.ALL_UP);
        int before = fk.payloads.size();
        run(cluster().withClient(Ipv4Network.parse("203.0.113.10"), new Fwmark(1)), HealthView.ALL_UP);
        assertThat(fk.payloads.subList(before, fk.payloads.size()))
                .containsExactly("ipset restore\nadd videolb-clients 203.0.113.10 skbmark 0x1 -exist\n");
    }

    @Test
    void aBigChangeReplacesTheSetAtomicallyThroughTheTempSetAndSwap() {
        run(cluster(), HealthView.ALL_UP);
        DesiredState big = cluster();
        for (int i = 0; i < 300; i++)
            big = big.withClient(Ipv4Network.parse("198.18." + (i / 256) + "." + (i % 256)), new Fwmark(2));
        int before = fk.payloads.size();
        run(big, HealthView.ALL_UP);
        String p = fk.payloads.get(before);
        assertThat(p)
                .startsWith("ipset restore\ncreate videolb-clients-tmp ")
                .contains("\nswap videolb-clients-tmp videolb-clients\ndestroy videolb-clients-tmp\n");
        assertThat(members()).hasSize(302);
        assertThat(fk.sets).containsOnlyKeys("videolb-clients");
    }

    @Test
    void aForeignFwmarkServiceIsNeverTouchedButARemovedPoolOfOursIsDrainedThenDeleted() {
        FakeKernel.FakeService foreign = new FakeKernel.FakeService();
        foreign.sched = "rr";
        foreign.servers.put("10.9.9.9", new int[] {1, 0, 0});
        fk.services.put(77L, foreign);
        run(cluster(), HealthView.ALL_UP);
        DesiredState noPool2 = cluster()
                .withClient(Ipv4Network.parse("203.0.113.10"), null)
                .withPool(new Fwmark(2), null)
                .withBackup(ip("198.51.100.3"), null);
        run(noPool2, HealthView.ALL_UP);
        assertThat(fk.weights(2)).as("drained first: weight 0").isEqualTo(Map.of("198.51.100.3", 0));
        run(noPool2, HealthView.ALL_UP); // no active connection: the drain ends, the service goes
        assertThat(fk.services).containsOnlyKeys(1L, 77L);
        assertThat(fk.weights(77)).isEqualTo(Map.of("10.9.9.9", 1));
    }

    @Test
    void cleanupRemovesOnlyWhatWeOwn() {
        fk.mangle.get("PREROUTING").add("-s 10.0.0.1/32 -j MARK --set-xmark 0x5/0xffffffff");
        FakeKernel.FakeService foreign = new FakeKernel.FakeService();
        foreign.sched = "rr";
        fk.services.put(77L, foreign);
        run(cluster(), HealthView.ALL_UP);
        Kernel k = new Kernel(fk, Tools.DEFAULT, Names.DEFAULT);
        var plan = Planner.cleanup(k.read(KernelCapabilities.FULL), new Ownership(dir.resolve("owned")).marks());
        new io.videolb.agent.render.Renderer(Names.DEFAULT).render(plan).forEach(k::run);
        assertThat(fk.mangle).doesNotContainKey("VIDEOLB-STEER");
        assertThat(fk.mangle.get("PREROUTING")).containsExactly("-s 10.0.0.1/32 -j MARK --set-xmark 0x5/0xffffffff");
        assertThat(fk.sets).isEmpty();
        assertThat(fk.services).containsOnlyKeys(77L);
    }

    @Test
    void aFailedPayloadIsReportedAndTheNextRunConverges() {
        reconciler = reconciler(Policy.DEFAULT);
        fk.failWhenArgvContains = "ipset restore";
        fk.failCallsMatching = 1;
        RunResult r = reconciler.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(r.errors()).singleElement().asString().contains("injected failure");
        RunResult again = run(cluster(), HealthView.ALL_UP);
        assertThat(again.ok()).isTrue();
        assertThat(members()).hasSize(2);
        assertThat(run(cluster(), HealthView.ALL_UP).plan().isEmpty()).isTrue();
    }
}
