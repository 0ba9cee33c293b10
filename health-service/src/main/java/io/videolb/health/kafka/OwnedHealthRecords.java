package io.videolb.health.kafka;

import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.model.Ipv4Address;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link HealthTopicMember} learns from the partitions it owns, without Kafka: every record
 * is decoded once and folded by contracts' {@link HealthTopicView} (latest per key by sequence,
 * tombstones of both kinds remove), as every reader of the topic does, and every sequence read
 * (verdicts and checker reports, newer or not) is fed to the {@link SequenceClock} so that this
 * instance continues above it. Thread-safe: the member's thread feeds it, the service reads it.
 */
public final class OwnedHealthRecords {
    private final HealthTopicView view = new HealthTopicView(); // guarded by itself
    private final SequenceClock sequences;

    public OwnedHealthRecords(SequenceClock sequences) {
        this.sequences = sequences;
    }

    /**
     * One record of an owned partition (value null: a tombstone), as the member's poll loop hands it
     * over; an undecodable one changes nothing and comes back as {@link HealthTopicView.Applied#unreadable()}.
     */
    public HealthTopicView.Applied apply(String key, String value) {
        HealthRecord r;
        synchronized (view) {
            r = view.futureRefused(HealthRecord.decode(key, value)); // a far-future sequence never reaches the clock
        }
        if (r instanceof HealthRecord.ServerVerdict v)
            sequences.seen(r.key(), v.verdict().sequence());
        else if (r instanceof HealthRecord.CheckerReport c)
            sequences.seen(r.key(), c.status().sequence());
        else if (r instanceof HealthRecord.ServerInventory i)
            sequences.seen(r.key(), i.streams().sequence());
        synchronized (view) {
            return new HealthTopicView.Applied(r, view.apply(r) == HealthTopicView.Effect.CHANGED);
        }
    }

    /** Forgets the keys of partitions given up (a key belongs to the partition the default partitioner picks for it). */
    public void forgetPartitions(Set<Integer> partitions, int partitionCount) {
        synchronized (view) {
            view.removeKeysIf(key -> partitions.contains(HealthTopicMember.partitionOf(key, partitionCount)));
        }
    }

    /** The last verdict per server, a copy. */
    public Map<Ipv4Address, HealthVerdict> verdicts() {
        synchronized (view) {
            return Map.copyOf(view.verdicts());
        }
    }

    /** Everything folded so far (verdicts and checker reports), a copy. */
    public HealthTopicView.Snapshot snapshot() {
        synchronized (view) {
            return view.snapshot();
        }
    }

    /** Records skipped as undecodable. */
    public long unreadableCount() {
        synchronized (view) {
            return view.unreadableCount();
        }
    }
}
