package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.ProcessCommandRunner;
import java.util.Locale;
import java.util.function.Function;

/**
 * How the standalone agent treats this machine's kernel ({@code --agent-mode}).
 * <ul>
 * <li>{@code apply}: a real director; the agent's real defaults (state in /var/lib/videolb, reboot
 * files in /etc, or what VIDEOLB_* says).</li>
 * <li>{@code plan-only}: computes and logs kernel changes, runs no kernel command at all (not even
 * a read), state in DATA/agent, no reboot files.</li>
 * <li>{@code auto} (default): {@code apply} only where IPVS and ipset/iptables (CAP_NET_ADMIN) are
 * both usable, else {@code plan-only}; never steering-only, which would install steering marks on
 * a box whose kernel cannot balance them and touch the host's netfilter for nothing.</li>
 * </ul>
 */
public enum AgentMode {
    AUTO,
    APPLY,
    PLAN_ONLY;

    static AgentMode parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "auto":
                return AUTO;
            case "apply":
                return APPLY;
            case "plan-only":
                return PLAN_ONLY;
            default:
                throw new IllegalArgumentException("--agent-mode: want auto, apply or plan-only, got '"
                        + io.videolb.model.FieldText.escape(String.valueOf(text), 40) + "'");
        }
    }

    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The agent's own probe of this kernel (runs iptables-save, ipset list, ipvsadm -Sn; changes nothing of ours). */
    static KernelCapabilities detect(AgentSettings c) {
        return new Kernel(new ProcessCommandRunner(), c.tools(), c.names()).detect(c.procRoot());
    }

    /**
     * The agent settings of the standalone process.
     *
     * @param ctx      the data dir and the settings (broker, topics and the agent's port assigned by standalone)
     * @param detector kernel probe used by {@code auto}
     */
    static AgentSettings standaloneSettings(
            AgentMode mode, StandaloneContext ctx, Function<AgentSettings, KernelCapabilities> detector) {
        AgentSettings read = AgentSettings.read(ctx.settings());
        AgentSettings base = read.toBuilder()
                .kafka(ctx.kafka(io.videolb.kafka.KafkaAccessLayout.agent(read.director()), read.kafka()))
                .build();
        AgentMode effective = mode;
        if (mode == AUTO) {
            KernelCapabilities caps = detector.apply(base);
            effective = caps.mode() == KernelMode.APPLY ? APPLY : PLAN_ONLY;
            org.slf4j.LoggerFactory.getLogger(AgentMode.class)
                    .info(
                            "--agent-mode auto: {}{}",
                            effective.label(),
                            effective == APPLY ? " (IPVS and ipset/iptables usable)" : " (" + caps.reason() + ")");
        }
        if (effective == APPLY) return base.toBuilder().planOnly(false).build();
        return base.toBuilder()
                .stateDir(ctx.dataDir().resolve("agent"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .planOnly(true)
                .build();
    }
}
