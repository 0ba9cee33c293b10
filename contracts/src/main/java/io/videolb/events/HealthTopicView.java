package io.videolb.events;

import io.videolb.model.Ipv4Address;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The one fold of the health topic that every reader applies (the agent's health book, the admin
 * API's cluster view, alert-service's facts, health-service's topic member). Per key the record
 * with the highest sequence wins: a verdict or checker report whose sequence is not higher than
 * the one kept (a duplicate, a redelivery, reordering, a slow former owner) changes nothing. A
 * tombstone removes its key whatever sequence was kept (after it the key starts afresh, as it
 * does for a reader that starts after compaction dropped the old record). {@link HealthRecord.Unreadable}
 * records change nothing and are counted. Verdicts are kept in address order, checkers in id order.
 * Pure; not thread-safe (one reader thread feeds it; {@link #snapshot()} is an immutable copy).
 */
public final class HealthTopicView {
    /** What applying one record did. */
    public enum Effect {
        /** The view changed: a newer verdict or report was kept, or a known key was removed. */
        CHANGED,
        /** Nothing changed: a lower or equal sequence, or a tombstone for a key not held. */
        UNCHANGED,
        /** The record could not be decoded ({@link HealthRecord.Unreadable}); it was counted and skipped. */
        UNREADABLE
    }

    /** A record as decoded and what it did to a reader's view; {@code changed} is what that reader calls a change. */
    public record Applied(HealthRecord record, boolean changed) {
        /** The decoding problem, or null when the record was readable. */
        public HealthRecord.Unreadable unreadable() {
            return record instanceof HealthRecord.Unreadable u ? u : null;
        }
    }

    /** What a view holds at one moment: comparable with equals, immutable. */
    public record Snapshot(SortedMap<Ipv4Address, HealthVerdict> verdicts, SortedMap<String, CheckerStatus> checkers) {
        public static final Snapshot EMPTY = new Snapshot(new TreeMap<>(), new TreeMap<>());

        public Snapshot {
            verdicts = Collections.unmodifiableSortedMap(new TreeMap<>(verdicts));
            checkers = Collections.unmodifiableSortedMap(new TreeMap<>(checkers));
        }
    }

    /**
     * How far ahead of this reader's clock a sequence may be (sequences are wall-clock microseconds, see
     * health-service's SequenceClock) before the record is refused: 5 minutes. A record from the far future (a
     * sequence of Long.MAX_VALUE) would otherwise pin its server's verdict for good, since no later verdict could
     * have a higher sequence (issue 13).
     */
    public static final long DEFAULT_MAX_FUTURE_SKEW_MS = 5 * 60_000L;

    private final TreeMap<Ipv4Address, HealthVerdict> verdicts = new TreeMap<>();
    private final TreeMap<String, CheckerStatus> checkers = new TreeMap<>();
    private final TreeMap<Ipv4Address, ServerStreams> inventories = new TreeMap<>();
    private final java.util.function.LongSupplier nowMs;
    private final long maxFutureSkewMs;
    private long unreadable;

    /** A view on the system clock with {@link #DEFAULT_MAX_FUTURE_SKEW_MS}. */
    public HealthTopicView() {
        this(System::currentTimeMillis, DEFAULT_MAX_FUTURE_SKEW_MS);
    }

    /** A view that refuses sequences more than {@code maxFutureSkewMs} ahead of {@code nowMs}. */
    public HealthTopicView(java.util.function.LongSupplier nowMs, long maxFutureSkewMs) {
        if (maxFutureSkewMs < 0) throw new IllegalArgumentException("maxFutureSkewMs must be >= 0");
        this.nowMs = java.util.Objects.requireNonNull(nowMs, "nowMs");
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    /** Decodes ({@link HealthRecord#decode}) and applies one record; {@code changed} means this view changed. */
    public Applied apply(String key, String value) {
        HealthRecord r = futureRefused(HealthRecord.decode(key, value));
        return new Applied(r, apply(r) == Effect.CHANGED);
    }

    /** {@code r}, or an {@link HealthRecord.Unreadable} when its sequence is beyond the bounded clock skew. */
    public HealthRecord futureRefused(HealthRecord r) {
        long sequence;
        String key;
        if (r instanceof HealthRecord.ServerVerdict sv) {
            sequence = sv.verdict().sequence();
            key = sv.verdict().server().toString();
        } else if (r instanceof HealthRecord.CheckerReport cr) {
            sequence = cr.status().sequence();
            key = CheckerStatus.KEY_PREFIX + cr.status().checkerId();
        } else if (r instanceof HealthRecord.ServerInventory si) {
            sequence = si.streams().sequence();
            key = si.key();
        } else {
            return r;
        }
        long limitMicros = saturatedMicros(nowMs.getAsLong() + maxFutureSkewMs);
        if (sequence <= limitMicros) return r;
        return new HealthRecord.Unreadable(
                key,
                "sequence " + sequence + " is more than " + maxFutureSkewMs / 1000
                        + " s ahead of this reader's clock (sequences are wall-clock microseconds): refused");
    }

    private static long saturatedMicros(long ms) {
        return ms > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : ms * 1000;
    }

    public Effect apply(HealthRecord record) {
        record = futureRefused(record);
        if (record instanceof HealthRecord.ServerVerdict sv) {
            HealthVerdict v = sv.verdict();
            if (!v.isNewerThan(verdicts.get(v.server()))) return Effect.UNCHANGED;
            verdicts.put(v.server(), v);
            return Effect.CHANGED;
        }
        if (record instanceof HealthRecord.CheckerReport cr) {
            CheckerStatus s = cr.status();
            CheckerStatus prev = checkers.get(s.checkerId());
            if (prev != null && s.sequence() <= prev.sequence()) return Effect.UNCHANGED;
            checkers.put(s.checkerId(), s);
            return Effect.CHANGED;
        }
        if (record instanceof HealthRecord.VerdictTombstone t) {
            return verdicts.remove(t.server()) != null ? Effect.CHANGED : Effect.UNCHANGED;
        }
        if (record instanceof HealthRecord.CheckerTombstone t) {
            return checkers.remove(t.checkerId()) != null ? Effect.CHANGED : Effect.UNCHANGED;
        }
        if (record instanceof HealthRecord.ServerInventory si) {
            ServerStreams s = si.streams();
            ServerStreams prev = inventories.get(s.server());
            if (prev != null && s.sequence() <= prev.sequence()) return Effect.UNCHANGED;
            inventories.put(s.server(), s);
            return Effect.CHANGED;
        }
        if (record instanceof HealthRecord.InventoryTombstone t) {
            return inventories.remove(t.server()) != null ? Effect.CHANGED : Effect.UNCHANGED;
        }
        unreadable++;
        return Effect.UNREADABLE;
    }

    /** The server's verdict, or null when none is known. */
    public HealthVerdict verdict(Ipv4Address server) {
        return verdicts.get(server);
    }

    /** A read-only live view in address order (for iteration on the owning thread). */
    public SortedMap<Ipv4Address, HealthVerdict> verdicts() {
        return Collections.unmodifiableSortedMap(verdicts);
    }

    /** A read-only live view in checker id order (for iteration on the owning thread). */
    public SortedMap<String, CheckerStatus> checkers() {
        return Collections.unmodifiableSortedMap(checkers);
    }

    /** The server's stream inventory, or null when none is known. */
    public ServerStreams inventory(Ipv4Address server) {
        return inventories.get(server);
    }

    /** A read-only live view of the stream inventories in address order (for iteration on the owning thread). */
    public SortedMap<Ipv4Address, ServerStreams> inventories() {
        return Collections.unmodifiableSortedMap(inventories);
    }

    /** Whether any checker's latest report says it is degraded (its DOWN verdicts are suspect). */
    public boolean anyCheckerDegraded() {
        for (CheckerStatus c : checkers.values()) if (c.degraded()) return true;
        return false;
    }

    /** Forgets every verdict and checker whose topic key matches (e.g. the keys of a partition given up). */
    public void removeKeysIf(Predicate<String> topicKey) {
        verdicts.keySet().removeIf(a -> topicKey.test(a.toString()));
        checkers.keySet().removeIf(id -> topicKey.test(CheckerStatus.KEY_PREFIX + id));
        inventories.keySet().removeIf(a -> topicKey.test(ServerStreams.KEY_PREFIX + a));
    }

    /** How many records could not be decoded since this view was created. */
    public long unreadableCount() {
        return unreadable;
    }

    /** An immutable copy. */
    public Snapshot snapshot() {
        return new Snapshot(verdicts, checkers);
    }
}
