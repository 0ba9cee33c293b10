package io.videolb.events;

import io.videolb.json.Json;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Folds the desired topic, record by record from offset 0, into complete generations. Entity
 * records are collected until a {@link GenerationMarker} arrives; only then does a new
 * {@link DesiredSnapshot} come out, after its digest and entity count have been checked. So a
 * reader never acts on half a generation. Not thread-safe: one reader thread feeds it.
 */
public final class DesiredStateFolder {
    private final TreeMap<String, String> entities = new TreeMap<>();
    private DesiredSnapshot latest;

    /**
     * Applies one record. Returns a snapshot when the record was a generation marker whose
     * state checks out; throws {@link IllegalStateException} when the marker does not match the
     * folded records (the topic is damaged or was written by something else).
     */
    public Optional<DesiredSnapshot> apply(String key, String value) {
        if (DesiredRecords.GENERATION.equals(key)) {
            if (value == null) return Optional.empty();
            GenerationMarker marker = Json.read(value, GenerationMarker.class);
            if (marker.entities() != entities.size()) {
                throw new IllegalStateException("generation " + marker.generation() + " announces " + marker.entities()
                        + " entities but " + entities.size() + " were read");
            }
            String digest = DesiredRecords.digest(entities);
            if (!digest.equals(marker.digest())) {
                throw new IllegalStateException("generation " + marker.generation() + " digest mismatch");
            }
            latest = new DesiredSnapshot(marker.generation(), DesiredRecords.decode(entities), marker);
            return Optional.of(latest);
        }
        if (value == null) entities.remove(key);
        else entities.put(key, value);
        return Optional.empty();
    }

    /** The last complete generation, if any. */
    public Optional<DesiredSnapshot> latest() {
        return Optional.ofNullable(latest);
    }

    /** The entity records folded so far, including any not yet closed by a marker. */
    public SortedMap<String, String> entities() {
        return java.util.Collections.unmodifiableSortedMap(entities);
    }
}
