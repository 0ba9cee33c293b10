package io.videolb.health.probe;

/**
 * Tracks one server's live playlist across probes: the media sequence must advance within
 * 1.5 x target duration (RFC 8216 section 6.2.2: a client reloads after target duration and
 * treats a playlist unchanged for 1.5 x target duration as an error). A frozen encoder behind a
 * healthy HTTP 200 shows up here as "stale". Not thread-safe: one scheduler context owns it.
 */
public final class HlsFreshness {
    private long lastSequence = -1;
    private long lastAdvanceAtMs;

    /** Records one fetched playlist at {@code nowMs}; returns null when fresh, else the reason. */
    public String observe(HlsPlaylist p, long nowMs) {
        if (p.ended()) return null; // VOD / finished event: nothing to advance
        if (lastSequence < 0 || p.mediaSequence() != lastSequence) {
            // advance, or a restart of the encoder (sequence reset): both are signs of life
            lastSequence = p.mediaSequence();
            lastAdvanceAtMs = nowMs;
            return null;
        }
        long limitMs = p.targetDurationSeconds() * 1500;
        long frozenMs = nowMs - lastAdvanceAtMs;
        if (frozenMs > limitMs) {
            return "stale: media sequence " + lastSequence + " unchanged for " + frozenMs + " ms (limit 1.5 x "
                    + p.targetDurationSeconds() + " s)";
        }
        return null;
    }
}
