package io.videolb.health.probe;

import io.videolb.events.ProbeLevel;

/** One probe's outcome: which level decided it, why, and how long it took end to end. */
public record ProbeResult(boolean ok, ProbeLevel level, String reason, long latencyMicros) {
    public static ProbeResult ok(ProbeLevel level, long latencyMicros) {
        return new ProbeResult(true, level, "ok", latencyMicros);
    }

    public static ProbeResult fail(ProbeLevel level, String reason, long latencyMicros) {
        return new ProbeResult(false, level, reason, latencyMicros);
    }
}
