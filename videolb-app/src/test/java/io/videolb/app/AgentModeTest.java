package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.videolb.agent.Config;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelMode;
import io.videolb.events.Topics;

class AgentModeTest {
    private final StandaloneContext ctx = new StandaloneContext("127.0.0.1:9092", new Topics("lab"), Path.of("/cfg"),
            Path.of("/data"), 8480, AgentMode.AUTO, Map.of());

    @Test
    void autoAppliesWhereIpvsAndNetfilterAreBothUsableWithTheRealDefaults() {
        Config c = AgentMode.standaloneConfig(AgentMode.AUTO, Map.of(), ctx, x -> KernelCapabilities.FULL);
        assertThat(c.planOnly()).isFalse();
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/videolb"));
        assertThat(c.ipvsRules()).isEqualTo(Path.of("/etc/ipvsadm.rules"));
        assertThat(c.iptablesRules()).isEqualTo(Path.of("/etc/iptables/rules.v4"));
        assertThat(c.httpPort()).isEqualTo(8481);
        assertThat(c.topics()).isEqualTo(new Topics("lab"));
        assertThat(c.bootstrap()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void autoWithoutIpvsIsPlanOnlyNotSteeringOnlyAndKeepsItsStateInTheDataDir() {
        KernelCapabilities steeringOnly = new KernelCapabilities(true, false, "the kernel has no IPVS");
        assertThat(steeringOnly.mode()).isEqualTo(KernelMode.STEERING_ONLY);
        Config c = AgentMode.standaloneConfig(AgentMode.AUTO, Map.of(), ctx, x -> steeringOnly);
        assertThat(c.planOnly()).isTrue();
        assertThat(c.stateDir()).isEqualTo(Path.of("/data/agent"));
        assertThat(c.ipvsRules()).isNull();
        assertThat(c.iptablesRules()).isNull();
        assertThat(c.ipsetRules()).isNull();
    }

    @Test
    void autoWithoutCapNetAdminIsPlanOnly() {
        Config c = AgentMode.standaloneConfig(AgentMode.AUTO, Map.of(), ctx, x -> new KernelCapabilities(false, false, "no CAP_NET_ADMIN"));
        assertThat(c.planOnly()).isTrue();
    }

    @Test
    void planOnlyAndApplyNeverProbeTheKernel() {
        AtomicInteger probes = new AtomicInteger();
        Function<Config, KernelCapabilities> d = x -> {
            probes.incrementAndGet();
            return KernelCapabilities.FULL;
        };
        assertThat(AgentMode.standaloneConfig(AgentMode.PLAN_ONLY, Map.of(), ctx, d).planOnly()).isTrue();
        assertThat(AgentMode.standaloneConfig(AgentMode.APPLY, Map.of(), ctx, d).planOnly()).isFalse();
        assertThat(probes).hasValue(0);
    }

    @Test
    void anyFreePortStaysAnyFreePort() {
        StandaloneContext any = new StandaloneContext("127.0.0.1:9092", Topics.DEFAULT, Path.of("/cfg"), Path.of("/data"), 0,
                AgentMode.PLAN_ONLY, Map.of());
        assertThat(AgentMode.standaloneConfig(AgentMode.PLAN_ONLY, Map.of(), any, x -> KernelCapabilities.FULL).httpPort()).isZero();
    }

    @Test
    void modesParseAsTypedAndAnythingElseIsRefusedNamingTheOption() {
        assertThat(AgentMode.parse("plan-only")).isEqualTo(AgentMode.PLAN_ONLY);
        assertThat(AgentMode.parse("auto")).isEqualTo(AgentMode.AUTO);
        assertThat(AgentMode.parse("apply")).isEqualTo(AgentMode.APPLY);
        assertThatThrownBy(() -> AgentMode.parse("steering-only")).hasMessageStartingWith("--agent-mode:");
    }
}
