package io.videolb.agent.apply;

/**
 * How much of this machine's kernel the agent changes, as its {@link KernelCapabilities} allow. The
 * {@link #label()} is what travels: {@code AgentStatus.mode}, {@code /health}'s {@code mode}, the
 * {@code videolb_agent_mode} metric's label and the logs.
 */
public enum KernelMode {
    /** IPVS and ipset/iptables are applied: a real director. */
    APPLY("apply"),
    /** ipset/iptables are applied; the IPVS changes are computed and logged only (no IPVS in this kernel). */
    STEERING_ONLY("steering-only"),
    /** Nothing is applied (requested, or no CAP_NET_ADMIN): changes are computed and logged only. */
    PLAN_ONLY("plan-only");

    private final String label;

    KernelMode(String label) {
        this.label = label;
    }

    /** "apply", "steering-only" or "plan-only". */
    public String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
