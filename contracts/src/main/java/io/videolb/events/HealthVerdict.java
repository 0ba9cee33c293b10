package io.videolb.events;

import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * The latest verdict on one server, published to the compacted health topic keyed by the
 * server's address. Consumers keep, per server, the highest sequence seen and drop any verdict
 * whose sequence is not higher (duplicates, reordering, a slow second checker).
 *
 * @param sequence strictly increasing per server across every checker instance
 */
public record HealthVerdict(
        Ipv4Address server,
        Verdict verdict,
        ProbeLevel level,
        String reason,
        long latencyMicros,
        String checkerId,
        long sequence,
        long observedAtMs) {
    public HealthVerdict {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(level, "level");
        reason = reason == null ? "" : reason;
        checkerId = checkerId == null ? "" : checkerId;
    }

    /** Whether this verdict supersedes {@code previous} (null means nothing seen yet). */
    public boolean isNewerThan(HealthVerdict previous) {
        return previous == null || sequence > previous.sequence;
    }

    public boolean up() {
        return verdict == Verdict.UP;
    }
}
