package io.videolb.health.schedule;

import io.videolb.events.Verdict;

/**
 * When to probe a server again after a failed probe, instead of waiting a whole interval (as keepalived's
 * {@code delay_before_retry}): a failure that counts toward "down" on a server not already down is
 * followed by another probe after {@code retryDelayMs}, until fall is reached, so that a dead server is
 * DOWN after about fall x (timeout-or-refusal time + retry delay) rather than fall x interval. No retry for
 * a result the checker's own lateness made inconclusive (retrying would add load to a starved loop), for a
 * server already down (no hammering the dead), or when the setting is 0 (off). Pure.
 */
public final class FastRetry {
    private FastRetry() {}

    /**
     * The delay before the extra probe, or -1 for none.
     *
     * @param counted  the failure counted toward fall (false: ok, or inconclusive because the checker was late)
     * @param state    the server's committed verdict (null: unknown)
     * @param failures consecutive counted failures, this one included
     */
    public static long delayMs(boolean counted, Verdict state, int failures, int fall, long retryDelayMs) {
        if (retryDelayMs <= 0 || !counted || state == Verdict.DOWN) return -1;
        if (failures >= fall) return -1; // fall reached: the verdict is proposed now, the interval resumes
        return retryDelayMs;
    }
}
