package io.videolb.agent.loop;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether the reconcile loop still does its job: the last successful run (or, before the first one, the start)
 * must be younger than {@code bound}. A loop stuck in a hung call, or failing every run, turns {@code /health} 503
 * once it is older: the agent never says UP while the kernel is no longer looked after.
 */
public record ReconcileFreshness(Duration bound, long startedAtMs) {
    public ReconcileFreshness {
        if (bound == null || bound.isNegative() || bound.isZero())
            throw new IllegalArgumentException("bound must be positive");
    }

    /** Empty when fresh; else why not, in plain words. */
    public Optional<String> stale(long nowMs, long lastSuccessMs) {
        long since = Math.max(lastSuccessMs, startedAtMs);
        long age = nowMs - since;
        if (age <= bound.toMillis()) return Optional.empty();
        return Optional.of(
                (lastSuccessMs > 0 ? "last successful reconcile " : "no successful reconcile since the start, ")
                        + age / 1000 + " s ago (bound " + bound.toSeconds() + " s)");
    }

    /** Age of the last successful run (or of the start, before the first one), in ms. */
    public long ageMs(long nowMs, long lastSuccessMs) {
        return nowMs - Math.max(lastSuccessMs, startedAtMs);
    }
}
