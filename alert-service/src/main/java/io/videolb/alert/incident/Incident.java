package io.videolb.alert.incident;

import java.util.List;

/**
 * One incident as stored on the alert-state topic under {@code incident/ID}. Immutable; the
 * {@link AlertBook} makes the next version.
 *
 * <pre>
 *   (none) --condition appears--> OPEN --condition ends--> RESOLVED --mailed--> (tombstone)
 *                                  ^                          |
 *                                  +---- appears again -------+   (each change is a flip;
 *   flapThreshold flips within flapWindow: flapping, changes no longer trigger mails until
 *   the incident has been quiet for flapWindow, then one "settled" mail)
 * </pre>
 *
 * @param pendingSinceMs  time of the first change no mail has reported yet (0: none)
 * @param openMailed      some mail has reported this incident open
 * @param flappingMailed  some mail has reported this incident flapping
 * @param flips           times of the recent open/close changes, within the flap window
 */
public record Incident(
        String id,
        Condition.Kind kind,
        String title,
        List<String> details,
        boolean open,
        long openedAtMs,
        long changedAtMs,
        List<Long> flips,
        int flipsTotal,
        boolean flapping,
        boolean flappingMailed,
        long pendingSinceMs,
        boolean openMailed,
        long lastMailedAtMs,
        long revision) {

    public Incident {
        details = details == null ? List.of() : List.copyOf(details);
        flips = flips == null ? List.of() : List.copyOf(flips);
        // re-validate what came back from the topic: the title and id reach a subject / key
        new Condition(id, kind, title, details);
    }

    boolean pending() {
        return pendingSinceMs > 0;
    }
}
