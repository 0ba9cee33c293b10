package io.videolb.agent.desired;

/**
 * How the agent reacts to health.
 *
 * @param panicShare   a pool is in "panic" (fail open: keep every server) when more than this share of its servers is down (0..1)
 * @param drainTimeoutMs a drained server is deleted at zero connections or after this long at weight 0
 * @param holdDownMs   a recovered server takes its place back (failback) only after being up this long
 */
public record Policy(double panicShare, long drainTimeoutMs, long holdDownMs) {
    public static final Policy DEFAULT = new Policy(0.5, 300_000, 30_000);

    public Policy {
        if (!(panicShare > 0 && panicShare <= 1))
            throw new IllegalArgumentException("panicShare: must be in (0, 1], got " + panicShare);
        if (drainTimeoutMs < 0) throw new IllegalArgumentException("drainTimeoutMs: must be >= 0");
        if (holdDownMs < 0) throw new IllegalArgumentException("holdDownMs: must be >= 0");
    }
}
