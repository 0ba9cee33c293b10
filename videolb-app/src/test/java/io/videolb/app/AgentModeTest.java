package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelMode;
import io.videolb.events.Topics;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class AgentModeTest {
    private final StandaloneContext ctx = context(8480, Map.of());

    private static StandaloneContext context(int httpPort, Map<String, String> env) {
        SettingsReader settings = StandaloneRuntime.standaloneSettings(
                SettingsReader.builder().environment(env),
                "127.0.0.1:9092",
                "test",
                "lab",
                Path.of("/cfg"),
                Path.of("/data"),
                httpPort);
        return new StandaloneContext(
                "127.0.0.1:9092",
                new Topics("lab"),
                Path.of("/cfg"),
                Path.of("/data"),
                httpPort,
                AgentMode.AUTO,
                settings,
                null);
    }

    @Test
    void autoAppliesWhereIpvsAndNetfilterAreBothUsableWithTheRealDefaults() {
        AgentSettings c = AgentMode.standaloneSettings(AgentMode.AUTO, ctx, x -> KernelCapabilities.FULL);
        assertThat(c.planOnly()).isFalse();
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/videolb"));
        assertThat(c.ipvsRules()).isEqualTo(Path.of("/etc/ipvsadm.rules"));
        assertThat(c.iptablesRules()).isEqualTo(Path.of("/etc/iptables/rules.v4"));
        assertThat(c.httpPort()).isEqualTo(8481);
        assertThat(c.topics()).isEqualTo(new Topics("lab"));
        assertThat(c.kafka().bootstrapServers()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void autoWithoutIpvsIsPlanOnlyNotSteeringOnlyAndKeepsItsStateInTheDataDir() {
        KernelCapabilities steeringOnly = new KernelCapabilities(true, false, "the kernel has no IPVS");
        assertThat(steeringOnly.mode()).isEqualTo(KernelMode.STEERING_ONLY);
        AgentSettings c = AgentMode.standaloneSettings(AgentMode.AUTO, ctx, x -> steeringOnly);
        assertThat(c.planOnly()).isTrue();
        assertThat(c.stateDir()).isEqualTo(Path.of("/data/agent"));
        assertThat(c.ipvsRules()).isNull();
        assertThat(c.iptablesRules()).isNull();
        assertThat(c.ipsetRules()).isNull();
    }

    @Test
    void autoWithoutCapNetAdminIsPlanOnly() {
        AgentSettings c = AgentMode.standaloneSettings(
                AgentMode.AUTO, ctx, x -> new KernelCapabilities(false, false, "no CAP_NET_ADMIN"));
        assertThat(c.planOnly()).isTrue();
    }

    @Test
    void planOnlyAndApplyNeverProbeTheKernel() {
        AtomicInteger probes = new AtomicInteger();
        Function<AgentSettings, KernelCapabilities> d = x -> {
            probes.incrementAndGet();
            return KernelCapabilities.FULL;
        };
        assertThat(AgentMode.standaloneSettings(AgentMode.PLAN_ONLY, ctx, d).planOnly())
                .isTrue();
        assertThat(AgentMode.standaloneSettings(AgentMode.APPLY, ctx, d).planOnly())
                .isFalse();
        assertThat(probes).hasValue(0);
    }

    @Test
    void anyFreePortStaysAnyFreePort() {
        StandaloneContext any = context(0, Map.of());
        assertThat(AgentMode.standaloneSettings(AgentMode.PLAN_ONLY, any, x -> KernelCapabilities.FULL)
                        .httpPort())
                .isZero();
    }

    @Test
    void theAgentListensOnLoopbackUnlessItsHostIsSetAndTheStandalonePortAlwaysWins() {
        AgentSettings c = AgentMode.standaloneSettings(
                AgentMode.PLAN_ONLY, context(8480, Map.of("VIDEOLB_HTTP_PORT", "1")), x -> KernelCapabilities.FULL);
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.httpPort()).isEqualTo(8481);
        AgentSettings open = AgentMode.standaloneSettings(
                AgentMode.PLAN_ONLY,
                context(8480, Map.of("VIDEOLB_HTTP_HOST", "0.0.0.0")),
                x -> KernelCapabilities.FULL);
        assertThat(open.httpHost()).isEqualTo("0.0.0.0");
    }

    @Test
    void modesParseAsTypedAndAnythingElseIsRefusedNamingTheOption() {
        assertThat(AgentMode.parse("plan-only")).isEqualTo(AgentMode.PLAN_ONLY);
        assertThat(AgentMode.parse("auto")).isEqualTo(AgentMode.AUTO);
        assertThat(AgentMode.parse("apply")).isEqualTo(AgentMode.APPLY);
        assertThatThrownBy(() -> AgentMode.parse("steering-only")).hasMessageStartingWith("--agent-mode:");
    }
}
