package io.videolb.events;

import java.util.Objects;

/**
 * What a reader of the control topics trusts (issue 13): the keys that sign desired-state generations, and how far
 * ahead of its own clock a health record's sequence may be before it is refused.
 *
 * @param generations          the keys that verify (and, in config-service, sign) generation markers
 * @param healthMaxFutureSkewMs a health sequence more than this ahead of the reader's clock is refused
 */
public record ReaderTrust(GenerationKeys generations, long healthMaxFutureSkewMs) {
    /** No keys (unsigned generations accepted) and the default health skew: tests, tools. */
    public static final ReaderTrust UNSIGNED =
            new ReaderTrust(GenerationKeys.NONE, HealthTopicView.DEFAULT_MAX_FUTURE_SKEW_MS);

    public ReaderTrust {
        Objects.requireNonNull(generations, "generations");
        if (healthMaxFutureSkewMs < 0) throw new IllegalArgumentException("healthMaxFutureSkewMs must be >= 0");
    }

    /** A health-topic view that refuses sequences beyond this trust's skew. */
    public HealthTopicView healthView() {
        return new HealthTopicView(System::currentTimeMillis, healthMaxFutureSkewMs);
    }
}
