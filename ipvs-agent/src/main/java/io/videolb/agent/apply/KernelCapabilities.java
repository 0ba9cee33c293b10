package io.videolb.agent.apply;

/**
 * What this agent may change on this machine. Where the kernel has no IPVS, or the agent lacks
 * CAP_NET_ADMIN, the missing part runs plan-only: changes are computed and logged, not applied.
 *
 * @param steering ipset and iptables (mangle) can be read and written
 * @param ipvs     IPVS is in the kernel and ipvsadm works
 * @param reason   in plain words, why a part is plan-only (empty when everything is applied)
 */
public record KernelCapabilities(boolean steering, boolean ipvs, String reason) {
    public static final KernelCapabilities FULL = new KernelCapabilities(true, true, "");
    public static final KernelCapabilities NONE = new KernelCapabilities(false, false, "plan-only requested");

    /** apply, steering-only (ipset/iptables applied, IPVS plan-only) or plan-only. */
    public KernelMode mode() {
        if (steering && ipvs) return KernelMode.APPLY;
        if (steering) return KernelMode.STEERING_ONLY;
        return KernelMode.PLAN_ONLY;
    }
}
