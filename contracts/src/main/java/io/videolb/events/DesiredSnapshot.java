package io.videolb.events;

import io.videolb.model.DesiredState;
import java.util.Objects;

/** A complete desired state as of one committed generation. */
public record DesiredSnapshot(long generation, DesiredState state, GenerationMarker marker) {
    public DesiredSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(marker, "marker");
    }
}
