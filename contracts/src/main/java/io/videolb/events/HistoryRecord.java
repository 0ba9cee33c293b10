package io.videolb.events;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One part of one generation on the desired-state history topic ({@code PREFIX.desired-history}, not compacted,
 * kept for a retention; docs/decisions.md "Generation history"). Written in the same Kafka transaction as the
 * generation on the desired topic, keyed {@code GENERATION/PART}. A generation is either <em>full</em> (its parts
 * hold every entity record of the state) or a <em>diff</em> (the entity records it put, null for a removed one,
 * applied to the previous generation). A full generation is written at least once per retention period and at the
 * first publication of a config-service process, so every generation younger than the retention has its base in the
 * topic.
 *
 * @param generation the generation
 * @param part       0..parts-1 (a 100k-client import does not fit one Kafka record)
 * @param parts      how many parts the generation has
 * @param full       whether the parts together hold the whole entity set (else: the changes)
 * @param marker     the generation's marker (digest, entity count, source, actor, time)
 * @param records    entity key -> canonical JSON (null: removed; only in a diff)
 */
public record HistoryRecord(
        long generation, int part, int parts, boolean full, GenerationMarker marker, Map<String, String> records) {

    /** Entity records per part: about 100-200 kB of JSON, well under Kafka's default 1 MB record limit. */
    public static final int RECORDS_PER_PART = 2000;

    public HistoryRecord {
        Objects.requireNonNull(marker, "marker");
        if (parts < 1 || part < 0 || part >= parts) throw new IllegalArgumentException("part " + part + " of " + parts);
        records = Collections.unmodifiableMap(new TreeMap<>(records == null ? Map.of() : records));
    }

    /** The Kafka key of this part. */
    public String key() {
        return generation + "/" + part;
    }

    /** The parts of one generation: {@code records} (ordered) cut into {@link #RECORDS_PER_PART}-sized parts. */
    public static java.util.List<HistoryRecord> parts(
            GenerationMarker marker, boolean full, java.util.SortedMap<String, String> records) {
        java.util.List<Map<String, String>> chunks = new java.util.ArrayList<>();
        TreeMap<String, String> cur = new TreeMap<>();
        for (Map.Entry<String, String> e : records.entrySet()) {
            cur.put(e.getKey(), e.getValue());
            if (cur.size() == RECORDS_PER_PART) {
                chunks.add(cur);
                cur = new TreeMap<>();
            }
        }
        if (!cur.isEmpty() || chunks.isEmpty()) chunks.add(cur);
        java.util.List<HistoryRecord> out = new java.util.ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            out.add(new HistoryRecord(marker.generation(), i, chunks.size(), full, marker, chunks.get(i)));
        }
        return out;
    }
}
