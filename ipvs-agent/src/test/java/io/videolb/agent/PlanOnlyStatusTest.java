package io.videolb.agent;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.events.AgentStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status a director publishes must say what its kernel really holds: plan-only applies nothing. */
class PlanOnlyStatusTest {
    @TempDir
    Path dir;

    final FakeKernel fk = new FakeKernel();

    AgentStatus runOnce(KernelCapabilities caps, long generation, Metrics metrics) {
        Reconciler r = new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                caps,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                () -> 1_000_000L);
        RunResult run = r.run(snapshot(generation, cluster()), HealthView.ALL_UP);
        metrics.record(run);
        return IpvsAgent.statusOf("d1", caps, metrics, run);
    }

    @Test
    void aPlanOnlyAgentReportsGenerationZeroAppliedItsModeAndHowManyChangesArePending() {
        Metrics metrics = new Metrics(KernelCapabilities.NONE.mode().label());
        AgentStatus s = runOnce(KernelCapabilities.NONE, 1, metrics);
        // 2 services + 3 servers + the set + its 2 members + chain, rule, jump: nothing of it is in the kernel
        assertThat(fk.payloads).as("plan-only: no payload ran").isEmpty();
        assertThat(s.mode()).isEqualTo("plan-only");
        assertThat(s.desiredGeneration()).isEqualTo(1);
        assertThat(s.appliedGeneration()).as("nothing was applied").isZero();
        assertThat(s.ok()).isFalse();
        assertThat(s.errors())
                .singleElement()
                .asString()
                .matches("plan-only \\(plan-only requested\\): nothing applied, [1-9][0-9]* change\\(s\\) pending");
        long pending = Long.parseLong(s.errors().get(0).replaceAll(".*applied, ([0-9]+) change.*", "$1"));
        assertThat(pending).isEqualTo(metrics.pending()).isGreaterThanOrEqualTo(5);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        metrics.bind(registry);
        assertThat(registry.get("videolb.agent.applied.generation").gauge().value())
                .isZero();
        assertThat(registry.get("videolb.agent.changes.pending").gauge().value())
                .isEqualTo(pending);
        assertThat(registry.get("videolb.agent.mode")
                        .tag("mode", "plan-only")
                        .gauge()
                        .value())
                .isEqualTo(1);

        AgentStatus second = runOnce(KernelCapabilities.NONE, 2, metrics);
        assertThat(second.appliedGeneration())
                .as("still nothing applied after a second generation")
                .isZero();
        assertThat(second.desiredGeneration()).isEqualTo(2);
    }

    @Test
    void theSameRunOnAnApplyingAgentReportsTheGenerationAppliedAndNoPendingChange() {
        Metrics metrics = new Metrics(KernelCapabilities.FULL.mode().label());
        AgentStatus s = runOnce(KernelCapabilities.FULL, 1, metrics);
        assertThat(fk.payloads).isNotEmpty();
        assertThat(s.mode()).isEqualTo("apply");
        assertThat(s.appliedGeneration()).isEqualTo(1);
        assertThat(s.errors()).isEmpty();
        assertThat(metrics.pending()).isZero();
    }

    @Test
    void aSteeringOnlyAgentReportsTheGenerationForTheSteeringItAppliedAndCountsTheIpvsChangesNotApplied() {
        KernelCapabilities steeringOnly = new KernelCapabilities(true, false, "no IPVS in this kernel");
        Metrics metrics = new Metrics(steeringOnly.mode().label());
        AgentStatus s = runOnce(steeringOnly, 1, metrics);
        assertThat(fk.services).as("no IPVS payload").isEmpty();
        assertThat(fk.sets).containsKey("videolb-clients");
        assertThat(s.appliedGeneration()).isEqualTo(1);
        assertThat(s.errors())
                .singleElement()
                .asString()
                .isEqualTo("plan-only (no IPVS in this kernel): 5 IPVS change(s) not applied");
        assertThat(metrics.pending()).isEqualTo(5);
    }

    @Test
    void foreignRulesThatOverrideSteeringReachTheStatusAndTheMetrics() {
        KernelCapabilities full = KernelCapabilities.FULL;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Metrics metrics = new Metrics(full.mode().label()).bind(registry);
        assertThat(runOnce(full, 1, metrics).foreignRules()).isEmpty();
        // the original setup's rule, appended after videolb's jump
        fk.mangle
                .get("PREROUTING")
                .add("-s 203.0.113.10/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0x7/0xffffffff");
        AgentStatus s = runOnce(full, 2, metrics);
        assertThat(s.foreignRules())
                .containsExactly(
                        "-A PREROUTING -s 203.0.113.10/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0x7/0xffffffff");
        assertThat(registry.get("videolb.agent.foreign.mark.rules").gauge().value())
                .isEqualTo(1.0);
    }
}
