package io.videolb.health.verdict;

import io.videolb.events.Verdict;

/**
 * Rise/fall/dwell for one server. Pure: time comes in as an argument.
 *
 * <pre>
 *             fall failures                 fall failures, dwell elapsed
 *   UNKNOWN ----------------> DOWN  <------------------------------------  UP
 *      |                       |  ------------------------------------->   ^
 *      |                            rise successes, dwell elapsed          |
 *      +---------------------------------------------------------------------+
 *                           rise successes
 * </pre>
 *
 * <p>{@link #observe} only proposes a transition; the caller {@link #commit}s it (the self-check
 * may hold a mass "down" back). An uncommitted proposal is proposed again on the next probe, the
 * counters keep running. Not thread-safe: one scheduler context owns it.
 */
public final class Hysteresis {
    private final int rise;
    private final int fall;
    private final long minDwellMs;
    private Verdict state; // null: unknown
    private long changedAtMs;
    private int successes;
    private int failures;

    public Hysteresis(int rise, int fall, long minDwellMs) {
        if (rise < 1) throw new IllegalArgumentException("rise must be >= 1, got " + rise);
        if (fall < 1) throw new IllegalArgumentException("fall must be >= 1, got " + fall);
        if (minDwellMs < 0) throw new IllegalArgumentException("minDwell must be >= 0, got " + minDwellMs);
        this.rise = rise;
        this.fall = fall;
        this.minDwellMs = minDwellMs;
    }

    /** Starts from a verdict published earlier (by us or a previous owner), as if it was set at {@code atMs}. */
    public void seed(Verdict verdict, long atMs) {
        state = verdict;
        changedAtMs = atMs;
    }

    /** Counts one probe result; returns the verdict to move to, or null to stay. */
    public Verdict observe(boolean ok, long nowMs) {
        if (ok) {
            successes++;
            failures = 0;
        } else {
            failures++;
            successes = 0;
        }
        boolean dwellOver = state == null || nowMs - changedAtMs >= minDwellMs;
        if (ok && state != Verdict.UP && successes >= rise && dwellOver) return Verdict.UP;
        if (!ok && state != Verdict.DOWN && failures >= fall && dwellOver) return Verdict.DOWN;
        return null;
    }

    public void commit(Verdict verdict, long nowMs) {
        if (verdict != state) {
            state = verdict;
            changedAtMs = nowMs;
        }
    }

    /** The committed verdict, null while unknown. */
    public Verdict state() {
        return state;
    }

    public int consecutiveFailures() {
        return failures;
    }
}
