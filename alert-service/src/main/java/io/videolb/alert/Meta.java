package io.videolb.alert;

import java.util.List;

/**
 * The alert service's counters and mail sequence, stored on the alert-state topic under
 * {@code meta} so that a restart continues the numbering and the totals.
 */
record Meta(
        long nextSeq, long sent, long failed, long duplicates, long transientFailures, List<String> recentFailures) {
    static final String KEY = "meta";

    Meta {
        recentFailures = recentFailures == null ? List.of() : List.copyOf(recentFailures);
    }

    static Meta initial() {
        return new Meta(1, 0, 0, 0, 0, List.of());
    }
}
