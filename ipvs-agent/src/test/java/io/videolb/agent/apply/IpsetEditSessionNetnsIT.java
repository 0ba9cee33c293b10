package io.videolb.agent.apply;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.TestNetns;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client fast path's long-lived {@code ipset -} against the real ipset in a private network namespace: a batch is
 * applied and answered by its sentinel, a refused line is reported with the batch's other lines applied and the same
 * process goes on, a process that ends fails the batch; and {@link Reconciler#fastRun} with a new generation that
 * moves a client edits the real set through it (the full run after it finds no drift; a set destroyed behind its back
 * makes the edit fail and the next full run repair it).
 */
class IpsetEditSessionNetnsIT {
    static final Duration T = Duration.ofSeconds(10);
    final String ns = "vlb-ipss-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    IpsetEditSession session;

    @BeforeEach
    void namespace() {
        TestNetns.add(ns);
        session = new IpsetEditSession(List.of("ip", "netns", "exec", ns, "ipset", "-"));
    }

    @AfterEach
    void delete() {
        if (session != null) session.close();
        TestNetns.delete(ns);
    }

    String save() {
        return TestNetns.sh(ns, "ipset", "save");
    }

    @Test
    void batchesAreAppliedAndAnsweredOneByOneRefusedLinesAreReportedAndTheProcessGoesOn() {
        TestNetns.sh(ns, "ipset", "create", "vs", "hash:net", "family", "inet", "skbinfo");

        session.apply("add vs 203.0.113.10 skbmark 0x2 -exist\nadd vs 10.1.0.0/16 skbmark 0x1 -exist\n", T);
        assertThat(save()).contains("add vs 203.0.113.10 skbmark 0x2", "add vs 10.1.0.0/16 skbmark 0x1");

        assertThatThrownBy(() -> session.apply(
                        "add vs 203.0.113.10 skbmark 0x1 -exist\nadd nosuch 203.0.113.11 skbmark 0x1 -exist\n"
                                + "del vs 10.1.0.0/16 -exist\n",
                        T))
                .isInstanceOf(KernelException.class)
                .hasMessageContaining("refused 1 line")
                .hasMessageContaining("does not exist");
        assertThat(save())
                .as("the other lines of the refused batch were applied")
                .contains("add vs 203.0.113.10 skbmark 0x1")
                .doesNotContain("10.1.0.0/16");
        assertThat(session.usable()).isTrue();

        session.apply("del vs 203.0.113.10 -exist\ndel vs 203.0.113.99 -exist\n", T);
        assertThat(save()).doesNotContain("203.0.113.10");
    }

    @Test
    void aProcessThatEndsFailsTheBatchAndAfterThreeTheSessionGivesUp() {
        session.close();
        session = new IpsetEditSession(List.of("ip", "netns", "exec", ns, "sh", "-c", "read l; exit 3"));
        for (int i = 0; i < IpsetEditSession.MAX_FAILURES; i++) {
            assertThat(session.usable()).isTrue();
            assertThatThrownBy(() -> session.apply("add vs 203.0.113.10 skbmark 0x2 -exist\n", T))
                    .isInstanceOf(KernelException.class)
                    .hasMessageContaining("ended");
        }
        assertThat(session.usable()).as("gave up: edits run as processes").isFalse();
    }

    @Test
    void oneEntryBatchesTakeAFractionOfAMillisecond() {
        TestNetns.sh(ns, "ipset", "create", "vs", "hash:net", "family", "inet", "skbinfo");
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            long t0 = System.nanoTime();
            session.apply("add vs 203.0.113.10 skbmark 0x" + (1 + i % 2) + " -exist\n", T);
            micros.add((System.nanoTime() - t0) / 1000);
        }
        Collections.sort(micros);
        System.out.printf(
                "ipset session, 1-entry batch (300, in a namespace): p50 %d us, p99 %d us, max %d us%n",
                micros.get(150), micros.get(296), micros.get(299));
        assertThat(save()).contains("add vs 203.0.113.10 skbmark 0x2");
    }

    @Test
    void theReconcilersClientFastPathEditsTheRealSetAndADestroyedSetFailsItUntilTheFullRunRepairs() {
        Kernel k = new Kernel(TestNetns.in(ns), Tools.DEFAULT, Names.DEFAULT, null, session);
        Reconciler r = new Reconciler(
                k,
                new KernelCapabilities(true, false, "no IPVS in the test namespace"),
                Policy.DEFAULT,
                new Ownership(tmp.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                System::currentTimeMillis);
        Ipv4Network c10 = Ipv4Network.parse("203.0.113.10");
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).errors()).isEmpty();
        assertThat(save()).contains("add videolb-clients 203.0.113.10 skbmark 0x2");

        Optional<RunResult> fast = r.fastRun(snapshot(2, cluster().withClient(c10, new Fwmark(1))), HealthView.ALL_UP);

        assertThat(fast).isPresent();
        assertThat(fast.get().errors()).isEmpty();
        assertThat(save()).contains("add videolb-clients 203.0.113.10 skbmark 0x1");
        RunResult follow = r.run(snapshot(2, cluster().withClient(c10, new Fwmark(1))), HealthView.ALL_UP);
        assertThat(follow.errors()).isEmpty();
        assertThat(follow.drift()).isEmpty();
        assertThat(follow.applied()).as("the fast edit left nothing to do").isEmpty();

        TestNetns.sh(ns, "iptables", "-t", "mangle", "-F", "VIDEOLB-STEER"); // behind the agent's back
        TestNetns.sh(ns, "ipset", "destroy", "videolb-clients");
        Optional<RunResult> refused =
                r.fastRun(snapshot(3, cluster().withClient(c10, new Fwmark(2))), HealthView.ALL_UP);
        assertThat(refused).isPresent();
        assertThat(refused.get().ok()).isFalse();
        assertThat(refused.get().errors().toString()).contains("does not exist");
        assertThat(r.fastRun(snapshot(3, cluster().withClient(c10, new Fwmark(2))), HealthView.ALL_UP))
                .as("the state is unknown: the full run")
                .isEmpty();
        assertThat(r.run(snapshot(3, cluster().withClient(c10, new Fwmark(2))), HealthView.ALL_UP)
                        .errors())
                .isEmpty();
        assertThat(save()).contains("add videolb-clients 203.0.113.10 skbmark 0x2");
    }
}
