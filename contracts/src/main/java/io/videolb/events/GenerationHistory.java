package io.videolb.events;

import io.videolb.model.DesiredState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The generations the history topic holds, folded from its records in topic order ({@link HistoryRecord}): which
 * generations can be rebuilt (a full generation, or a diff whose previous generation can be rebuilt), and the whole
 * entity set of any of them, checked against its marker's digest. Pure: the reader feeds it. Not thread-safe.
 */
public final class GenerationHistory {
    private final Map<Long, List<HistoryRecord>> pending = new HashMap<>();
    /** Complete generations in order: marker, full?, records. */
    private final TreeMap<Long, Entry> generations = new TreeMap<>();

    /** One complete generation of the history. */
    public record Entry(GenerationMarker marker, boolean full, SortedMap<String, String> records) {}

    /** Adds one history record (parts may come in any order; a generation is complete with all its parts). */
    public void add(HistoryRecord r) {
        List<HistoryRecord> parts = pending.computeIfAbsent(r.generation(), g -> new ArrayList<>());
        parts.removeIf(p -> p.part() == r.part());
        parts.add(r);
        if (parts.size() < r.parts()) return;
        pending.remove(r.generation());
        TreeMap<String, String> records = new TreeMap<>();
        parts.forEach(p -> records.putAll(p.records()));
        generations.put(r.generation(), new Entry(r.marker(), r.full(), records));
    }

    /** The markers of every generation that can be rebuilt, oldest first. */
    public List<GenerationMarker> available() {
        List<GenerationMarker> out = new ArrayList<>();
        long previous = -1;
        boolean based = false;
        for (Entry e : generations.values()) {
            long g = e.marker().generation();
            based = e.full() || (based && g == previous + 1);
            previous = g;
            if (based) out.add(e.marker());
        }
        return out;
    }

    /** The entity records of generation {@code n}, rebuilt from its last full generation and checked; empty if not held. */
    public Optional<SortedMap<String, String>> records(long n) {
        Entry target = generations.get(n);
        if (target == null) return Optional.empty();
        Long base = null;
        for (Map.Entry<Long, Entry> e :
                generations.headMap(n, true).descendingMap().entrySet()) {
            if (e.getValue().full()) {
                base = e.getKey();
                break;
            }
        }
        if (base == null) return Optional.empty();
        TreeMap<String, String> state = new TreeMap<>();
        long expect = base;
        for (Entry e : generations.subMap(base, true, n, true).values()) {
            if (e.marker().generation() != expect++) return Optional.empty(); // a gap: not rebuildable
            if (e.full()) state.clear();
            e.records().forEach((k, v) -> {
                if (v == null) state.remove(k);
                else state.put(k, v);
            });
        }
        if (!DesiredRecords.digest(state).equals(target.marker().digest())) {
            throw new IllegalStateException("generation " + n + " rebuilt from the history does not have its digest");
        }
        return Optional.of(state);
    }

    /** Generation {@code n} as a desired state with its marker; empty if the history does not hold it. */
    public Optional<DesiredSnapshot> snapshot(long n) {
        return records(n)
                .map(r -> new DesiredSnapshot(
                        n, DesiredRecords.decode(r), generations.get(n).marker()));
    }

    /** Convenience for readers: the state of {@code n}. */
    public Optional<DesiredState> state(long n) {
        return snapshot(n).map(DesiredSnapshot::state);
    }
}
