package io.videolb.alert.incident;

import java.util.List;

/**
 * The content of one operator mail: a subject built from a fixed template (counts and incident
 * titles, which hold only typed values) and a plain-text body where the event data goes.
 */
public record Digest(
        String subject, String body, List<String> incidentIds, int opened, int resolved, int flapping, int stillOpen) {
    public Digest {
        incidentIds = List.copyOf(incidentIds);
    }
}
