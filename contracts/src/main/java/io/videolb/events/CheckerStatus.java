package io.videolb.events;

import java.util.List;

/**
 * A health checker's view of itself, published on the health topic under the key
 * {@code checker/ID}. {@code degraded} means: many servers failed at once and the known-good
 * target failed too (or the checker's own loop has been running late for a sustained time), so the
 * checker, not the servers, is suspect; consumers keep their last verdicts instead of acting on a
 * mass "down".
 *
 * <p>A running checker republishes its status as a heartbeat (every {@code VIDEOLB_HEALTH_HEARTBEAT_MS}),
 * with the partitions of the health topic it probes now ({@code partitions} of {@code partitionCount}):
 * readers know from it which checkers are alive ({@code observedAtMs}) and whether every partition has a
 * live checker. A checker that stops cleanly tombstones its key. Records written before heartbeats existed
 * decode with no partitions and a partition count of 0 (they claim nothing).
 */
public record CheckerStatus(
        String checkerId,
        boolean degraded,
        String reason,
        long sequence,
        long observedAtMs,
        List<Integer> partitions,
        int partitionCount) {
    public static final String KEY_PREFIX = "checker/";

    public CheckerStatus {
        reason = reason == null ? "" : reason;
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
        if (partitionCount < 0)
            throw new IllegalArgumentException("partitionCount must be >= 0, got " + partitionCount);
        for (int p : partitions)
            if (p < 0 || p >= partitionCount)
                throw new IllegalArgumentException("partition " + p + " outside 0.." + (partitionCount - 1));
    }

    /** A status that claims no partition (a checker not yet assigned any, tests). */
    public CheckerStatus(String checkerId, boolean degraded, String reason, long sequence, long observedAtMs) {
        this(checkerId, degraded, reason, sequence, observedAtMs, List.of(), 0);
    }

    public String key() {
        return KEY_PREFIX + checkerId;
    }
}
