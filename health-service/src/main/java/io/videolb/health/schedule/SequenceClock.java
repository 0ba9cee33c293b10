package io.videolb.health.schedule;

import io.videolb.model.Ipv4Address;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Verdict sequences: a hybrid clock per key, {@code max(last seen + 1, wall clock in microseconds)}.
 * "Last seen" is fed from the health topic (every record any checker published for the key) and
 * from our own publications. So a sequence is strictly increasing per key within one checker,
 * and across checkers after a hand-over: the new owner reads the partition to its end before it
 * probes, and even without that read the wall clock keeps it ahead unless the clocks of two
 * directors differ by more than the hand-over time.
 */
public final class SequenceClock {
    private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();
    private final LongSupplier wallMicros;

    public SequenceClock(LongSupplier wallMicros) {
        this.wallMicros = wallMicros;
    }

    public static SequenceClock system() {
        return new SequenceClock(() -> System.currentTimeMillis() * 1000L);
    }

    /** Notes a sequence read back from the topic. */
    public void seen(String key, long sequence) {
        last.merge(key, sequence, Math::max);
    }

    public long next(String key) {
        return last.compute(key, (k, prev) -> Math.max(prev == null ? 0 : prev + 1, wallMicros.getAsLong()));
    }

    public long next(Ipv4Address server) {
        return next(server.toString());
    }
}
