package io.videolb.events;

/**
 * A health checker's view of itself, published on the health topic under the key
 * {@code checker/ID}. {@code degraded} means: many servers failed at once and the known-good
 * target failed too, so the checker, not the servers, is suspect; consumers keep their last
 * verdicts instead of acting on a mass "down".
 */
public record CheckerStatus(String checkerId, boolean degraded, String reason, long sequence, long observedAtMs) {
    public static final String KEY_PREFIX = "checker/";

    public String key() {
        return KEY_PREFIX + checkerId;
    }
}
