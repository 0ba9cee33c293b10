package io.videolb.app;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.videolb.agent.Config;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.ProcessCommandRunner;

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
    AUTO, APPLY, PLAN_ONLY;

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
    static KernelCapabilities detect(Config c) {
        return new Kernel(new ProcessCommandRunner(), c.tools(), c.names()).detect(c.procRoot());
    }

    /**
     * The agent configuration of the standalone process.
     *
     * @param env      the process environment (VIDEOLB_* settings of the agent)
     * @param ctx      bootstrap, topics, data dir, HTTP port (the agent listens on port + 1, or any port if 0)
     * @param detector kernel probe used by {@code auto}
     */
    static Config standaloneConfig(AgentMode mode, Map<String, String> env, StandaloneContext ctx, Function<Config, KernelCapabilities> detector) {
        Config base = Config.fromEnv(Bootstrap.overlay(env, ctx.bootstrapServers(), ctx.topics().prefix()));
        String host = env.getOrDefault("VIDEOLB_HTTP_HOST", "127.0.0.1");
        int port = ctx.httpPort() == 0 ? 0 : ctx.httpPort() + 1;
        AgentMode effective = mode;
        if (mode == AUTO) {
            KernelCapabilities caps = detector.apply(base);
            effective = caps.mode() == KernelMode.APPLY ? APPLY : PLAN_ONLY;
            org.slf4j.LoggerFactory.getLogger(AgentMode.class).info("--agent-mode auto: {}{}", effective.label(),
                    effective == APPLY ? " (IPVS and ipset/iptables usable)" : " (" + caps.reason() + ")");
        }
        if (effective == APPLY) {
            return with(base, host, port, base.stateDir(), base.ipvsRules(), base.iptablesRules(), base.ipsetRules(), false);
        }
        Path state = ctx.dataDir().resolve("agent");
        return with(base, host, port, state, null, null, null, true);
    }

    /** {@code c} forced to plan-only (the agent then runs no kernel command). */
    static Config planOnly(Config c) {
        return with(c, c.httpHost(), c.httpPort(), c.stateDir(), c.ipvsRules(), c.iptablesRules(), c.ipsetRules(), true);
    }

    private static Config with(Config c, String host, int port, Path stateDir, Path ipvs, Path iptables, Path ipset, boolean planOnly) {
        return new Config(c.director(), c.bootstrap(), c.topics(), c.names(), c.policy(), c.tools(), c.procRoot(), c.sysctlRoot(),
                stateDir, ipvs, iptables, ipset, c.sync(), host, port, c.minInterval(), c.resync(), c.drainPoll(), planOnly);
    }
}
