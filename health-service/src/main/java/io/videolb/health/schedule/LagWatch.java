package io.videolb.health.schedule;

/**
 * The checker's own lag: how late its event loop runs a timer. One late timer says little (a GC pause); a
 * lag above {@code thresholdMs} in every sample for {@code sustainMs} says the checker is starved (CPU,
 * memory), so its failed probes are suspect and it reports itself degraded (agents then hold DOWNs, and the
 * operator is told). It recovers after {@code sustainMs} of samples under the threshold. Pure: the scheduler
 * feeds it each sample with the time.
 */
public final class LagWatch {
    private final long thresholdMs;
    private final long sustainMs;
    private boolean degraded;
    private long runSinceMs = -1; // start of the current run of samples on the other side of the threshold
    private long worstMs;

    public LagWatch(long thresholdMs, long sustainMs) {
        if (thresholdMs <= 0 || sustainMs <= 0) throw new IllegalArgumentException("threshold and sustain must be > 0");
        this.thresholdMs = thresholdMs;
        this.sustainMs = sustainMs;
    }

    /** One sample: the timer ran {@code lagMs} late at {@code nowMs}. Returns true when the degraded state changed. */
    public boolean observe(long lagMs, long nowMs) {
        boolean late = lagMs > thresholdMs;
        if (late != degraded) { // a sample against the current state: part of a run that may flip it
            if (runSinceMs < 0) {
                runSinceMs = nowMs;
                worstMs = 0;
            }
            worstMs = Math.max(worstMs, lagMs);
            if (nowMs - runSinceMs >= sustainMs) {
                degraded = late;
                runSinceMs = -1;
                return true;
            }
        } else {
            runSinceMs = -1; // the run is broken
        }
        return false;
    }

    public boolean degraded() {
        return degraded;
    }

    /** The worst lag of the run that made this watch degraded (or of the run under way). */
    public long worstMs() {
        return worstMs;
    }

    public long thresholdMs() {
        return thresholdMs;
    }

    public long sustainMs() {
        return sustainMs;
    }
}
