package io.videolb.agent.loop;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.http.Metrics;
import io.videolb.agent.kernel.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The IPVS setup (sysctls, connection-sync daemon) is checked again at every periodic resync: what changed
 * behind the agent's back since is put back and reported as drift (run result, published status, metric).
 * The real loop and reconciler on a manual clock, the fake kernel, sysctls in a temp folder.
 */
class SetupRecheckTest {
    static final String NODEST = "net/ipv4/vs/expire_nodest_conn";
    static final String QUIESCENT = "net/ipv4/vs/expire_quiescent_template";
    static final Duration RESYNC = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    Path sysctls;
    final FakeKernel fk = new FakeKernel();
    final ManualScheduler scheduler = new ManualScheduler();
    final List<RunResult> runs = new ArrayList<>();
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Metrics metrics = new Metrics("apply").bind(registry);
    ReconcileLoop loop;

    @BeforeEach
    void agent() throws IOException {
        sysctls = dir.resolve("sys");
        Files.createDirectories(sysctls.resolve("net/ipv4/vs"));
        sysctl(NODEST, "0");
        sysctl(QUIESCENT, "0");
        Reconciler reconciler = new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.FULL,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                null,
                sysctls,
                new SyncDaemon(SyncDaemon.Role.MASTER, "eth0", 7),
                () -> 1_000_000L);
        loop = new ReconcileLoop(
                () -> Optional.of(reconciler.run(snapshot(1, cluster()), HealthView.ALL_UP)),
                r -> {
                    runs.add(r);
                    metrics.record(r);
                },
                reconciler::needsPolling,
                reconciler::recheckSetup,
                Duration.ofMillis(200),
                RESYNC,
                Duration.ofSeconds(2),
                scheduler);
        loop.start();
        loop.markDirty();
        scheduler.runDue();
        assertThat(runs).singleElement().satisfies(r -> {
            assertThat(r.errors()).isEmpty();
            assertThat(r.drift()).as("the agent's own first setup is no drift").isEmpty();
        });
        assertThat(sysctl(NODEST)).isEqualTo("1");
        assertThat(sysctl(QUIESCENT)).isEqualTo("1");
        assertThat(fk.daemon).isEqualTo("master sync daemon (mcast=eth0, syncid=7)\n");
    }

    void sysctl(String name, String value) throws IOException {
        Files.writeString(sysctls.resolve(name), value + "\n");
    }

    String sysctl(String name) throws IOException {
        return Files.readString(sysctls.resolve(name)).strip();
    }

    RunResult last() {
        return runs.get(runs.size() - 1);
    }

    long daemonChecks() {
        return fk.calls.stream().filter(c -> c.equals("ipvsadm -L --daemon")).count();
    }

    @Test
    void aSysctlFlippedBackAndTheSyncDaemonStoppedAreRepairedAtTheNextResyncAndReportedAsDrift() throws IOException {
        sysctl(NODEST, "0");
        fk.daemon = "";

        loop.markDirty(); // an event: its run does not re-check the setup
        scheduler.advance(Duration.ofSeconds(1));
        assertThat(runs).hasSize(2);
        assertThat(last().drift()).isEmpty();
        assertThat(sysctl(NODEST)).isEqualTo("0");

        scheduler.advance(RESYNC); // the resync at 30 s
        assertThat(runs).hasSize(3);
        assertThat(last().errors()).isEmpty();
        assertThat(last().drift())
                .containsExactly(
                        "sysctl net.ipv4.vs.expire_nodest_conn 0 -> 1", "started master sync daemon on eth0 syncid 7");
        assertThat(sysctl(NODEST)).isEqualTo("1");
        assertThat(sysctl(QUIESCENT)).isEqualTo("1");
        assertThat(fk.daemon).isEqualTo("master sync daemon (mcast=eth0, syncid=7)\n");
        assertThat(metrics.driftRepaired()).isEqualTo(2);
        assertThat(registry.scrape()).contains("videolb_agent_drift_repaired_total 2.0\n");

        long checks = daemonChecks();
        scheduler.advance(RESYNC); // nothing changed meanwhile
        assertThat(runs).hasSize(4);
        assertThat(daemonChecks()).as("checked again").isEqualTo(checks + 1);
        assertThat(last().drift()).isEmpty();
        assertThat(metrics.driftRepaired()).isEqualTo(2);
    }

    @Test
    void aSyncDaemonRestartedWithOtherSettingsIsStoppedAndStartedAsConfigured() {
        fk.daemon = "master sync daemon (mcast=eth1, syncid=9)\n";
        scheduler.advance(RESYNC);
        assertThat(last().drift())
                .containsExactly(
                        "stopped master sync daemon with other settings",
                        "started master sync daemon on eth0 syncid 7");
        assertThat(fk.daemon).isEqualTo("master sync daemon (mcast=eth0, syncid=7)\n");
        assertThat(fk.calls).contains("ipvsadm --stop-daemon master");
    }

    @Test
    void aRecheckThatCannotRepairIsAnErrorAndTheRetryReportsTheRepairAsDrift() throws IOException {
        sysctl(QUIESCENT, "0");
        fk.daemon = "";
        fk.failWhenArgvContains = "--start-daemon";
        fk.failCallsMatching = 1;
        scheduler.advance(RESYNC);
        assertThat(last().errors())
                .singleElement()
                .asString()
                .startsWith("IPVS setup (sysctls, sync daemon): ipvsadm --start-daemon master");
        assertThat(last().drift())
                .as("the sysctl it could repair")
                .containsExactly("sysctl net.ipv4.vs.expire_quiescent_template 0 -> 1");
        assertThat(metrics.driftRepaired()).as("a failed run counts no drift").isZero();

        scheduler.advance(Duration.ofSeconds(1)); // the retry after the backoff
        assertThat(last().errors()).isEmpty();
        assertThat(last().drift()).containsExactly("started master sync daemon on eth0 syncid 7");
        assertThat(metrics.driftRepaired()).isEqualTo(1);
    }
}
