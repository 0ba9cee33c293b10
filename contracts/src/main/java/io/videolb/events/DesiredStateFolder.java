package io.videolb.events;

import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.model.DesiredStateRules;
import io.videolb.model.FieldText;
import io.videolb.model.Origin;
import io.videolb.model.Origins;
import io.videolb.model.Problem;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Folds the desired topic, record by record from offset 0, into complete generations. Entity
 * records are collected until a {@link GenerationMarker} arrives; only then does a new
 * {@link DesiredSnapshot} come out, after the marker has passed every check (issue 13): its entity
 * count and digest match the folded records, it is newer than the last accepted generation, its
 * signature is valid for an accepted key ({@link GenerationKeys}), its records decode, and the state
 * passes {@link DesiredStateRules} (the same rules config-service checks before it publishes). A
 * marker that fails any check is refused whole: {@link #latest()} stays the last good generation and
 * {@link #refusal()} says why, until a later generation is accepted. A stray record (unknown key,
 * oversized) is reported ({@link #skipped()}) and kept in the fold under a placeholder, so the digest
 * of the next marker tells whether its writer has replaced it; nothing here throws, so no record can
 * stop a reader. Not thread-safe: one reader thread feeds it.
 */
public final class DesiredStateFolder {
    /** The largest entity or marker record read, in characters; larger ones are reported and skipped. */
    public static final int MAX_RECORD_CHARS = 256 * 1024;

    private static final int MAX_PROBLEMS_SHOWN = 3;

    /** Why a generation was refused. */
    public record Refusal(long generation, String reason) {}

    private final GenerationKeys keys;
    private final TreeMap<String, String> entities = new TreeMap<>();
    private DesiredSnapshot latest;
    private Refusal refusal;
    private long refusedTotal;
    private long skippedTotal;
    private String lastSkipped;

    /** A folder that accepts unsigned generations only ({@link GenerationKeys#NONE}: tests, tools). */
    public DesiredStateFolder() {
        this(GenerationKeys.NONE);
    }

    /** A folder that verifies markers with {@code keys}. */
    public DesiredStateFolder(GenerationKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /**
     * Applies one record. Returns a snapshot when the record was a generation marker that passed every check; a
     * refused marker or a skipped record returns empty and is reported by {@link #refusal()} / {@link #skipped()}.
     */
    public Optional<DesiredSnapshot> apply(String key, String value) {
        if (key == null) {
            skip("a record without a key");
            return Optional.empty();
        }
        if (DesiredRecords.GENERATION.equals(key)) return value == null ? Optional.empty() : marker(value);
        if (value == null) {
            entities.remove(key);
            return Optional.empty();
        }
        if (key.length() > 1024) {
            skip("a record with a " + key.length() + "-character key");
            return Optional.empty(); // not kept: such a key is no entity and a writer never tombstones it
        }
        if (!knownKey(key)) {
            skip("record '" + FieldText.escape(key, 80) + "': not a desired-state key");
        } else if (value.length() > MAX_RECORD_CHARS) {
            skip("record '" + FieldText.escape(key, 80) + "': " + value.length() + " characters, over the limit of "
                    + MAX_RECORD_CHARS);
            // a placeholder keeps the key (its writer replaces or removes it) without holding the value
            entities.put(key, "\u0000oversized " + value.length());
            return Optional.empty();
        }
        entities.put(key, value);
        return Optional.empty();
    }

    private static boolean knownKey(String key) {
        return DesiredRecords.isEntityKey(key);
    }

    private Optional<DesiredSnapshot> marker(String value) {
        if (value.length() > MAX_RECORD_CHARS) {
            return refuse(
                    -1, "a generation marker of " + value.length() + " characters (limit " + MAX_RECORD_CHARS + ")");
        }
        GenerationMarker marker;
        try {
            marker = Json.read(value, GenerationMarker.class);
        } catch (RuntimeException e) {
            return refuse(
                    -1, "an unreadable generation marker: " + FieldText.escape(String.valueOf(e.getMessage()), 200));
        }
        long g = marker.generation();
        if (latest != null && g <= latest.generation()) {
            return refuse(g, "generation " + g + " is not newer than the accepted generation " + latest.generation());
        }
        if (marker.entities() != entities.size()) {
            return refuse(
                    g,
                    "generation " + g + " announces " + marker.entities() + " entities but " + entities.size()
                            + " were read");
        }
        if (!DesiredRecords.digest(entities).equals(marker.digest())) {
            return refuse(
                    g,
                    "generation " + g + " digest mismatch (its records were changed or a stray record"
                            + " was written)");
        }
        Optional<String> unsigned = keys.refusal(marker, entities);
        if (unsigned.isPresent()) return refuse(g, unsigned.get());
        DesiredState state;
        try {
            state = decode(entities);
        } catch (RuntimeException e) {
            return refuse(
                    g,
                    "generation " + g + " holds an unreadable record: "
                            + FieldText.escape(String.valueOf(e.getMessage()), 300));
        }
        List<Problem> problems = DesiredStateRules.check(state, Origins.everywhere(new Origin("generation " + g, 0)));
        if (!problems.isEmpty()) {
            List<String> shown = problems.stream()
                    .sorted()
                    .limit(MAX_PROBLEMS_SHOWN)
                    .map(p -> p.field() + ": " + p.message())
                    .toList();
            return refuse(
                    g,
                    "generation " + g + " breaks " + problems.size() + " validation rule(s): "
                            + String.join("; ", shown));
        }
        latest = new DesiredSnapshot(g, state, marker);
        refusal = null;
        return Optional.of(latest);
    }

    /** {@link DesiredRecords#decode} naming the record that fails. */
    private static DesiredState decode(SortedMap<String, String> records) {
        for (var e : records.entrySet()) {
            if (!knownKey(e.getKey()))
                throw new IllegalArgumentException(
                        "'" + FieldText.escape(e.getKey(), 80) + "' is not a desired-state key");
            if (e.getValue().startsWith("\u0000oversized"))
                throw new IllegalArgumentException("'" + FieldText.escape(e.getKey(), 80) + "' is oversized");
        }
        return DesiredRecords.decode(records);
    }

    private Optional<DesiredSnapshot> refuse(long generation, String reason) {
        refusal = new Refusal(generation, reason);
        refusedTotal++;
        return Optional.empty();
    }

    private void skip(String what) {
        skippedTotal++;
        lastSkipped = what;
        // reported like a refusal until a generation is accepted (which replaces or removes the record)
        refusal = new Refusal(latest == null ? 0 : latest.generation(), what + " skipped");
    }

    /** The last complete, accepted generation, if any. */
    public Optional<DesiredSnapshot> latest() {
        return Optional.ofNullable(latest);
    }

    /**
     * Why the newest generation marker read was refused, or the last record skipped since the last accepted
     * generation; empty once a later generation is accepted.
     */
    public Optional<Refusal> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** Generation markers refused since this folder was created. */
    public long refusedTotal() {
        return refusedTotal;
    }

    /** Records reported and skipped (stray keys, oversized values) since this folder was created. */
    public long skippedTotal() {
        return skippedTotal;
    }

    /** The last record skipped, in plain words. */
    public Optional<String> lastSkipped() {
        return Optional.ofNullable(lastSkipped);
    }

    /** The keys this folder verifies with. */
    public GenerationKeys keys() {
        return keys;
    }

    /** The entity records folded so far, including any not yet closed by a marker. */
    public SortedMap<String, String> entities() {
        return Collections.unmodifiableSortedMap(entities);
    }
}
