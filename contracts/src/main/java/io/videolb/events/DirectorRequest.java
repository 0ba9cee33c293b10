package io.videolb.events;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An operator's command to the directors of a VRRP pair (issue 10), published by the config-service
 * admin API on the compacted director-commands topic (key {@link #KEY}) and audited. Today one
 * action: {@code promote} (move the VIP to {@code target} without preemption: the holder yields).
 * Agents act on a command once (by {@code id}) and only while it is fresh ({@link #FRESH_MS}), so
 * reading the topic from offset 0 after a restart does not replay an old promote.
 *
 * @param id            unique id of this request (the audit names it too)
 * @param action        {@code promote}
 * @param target        the director that should hold the VIP
 * @param by            who asked (the API principal)
 * @param requestedAtMs when
 */
public record DirectorRequest(String id, String action, String target, String by, long requestedAtMs) {
    public static final String KEY = "promote";
    public static final long FRESH_MS = 30_000;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public DirectorRequest {
        Objects.requireNonNull(by, "by");
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("id: " + id);
        if (!"promote".equals(action)) throw new IllegalArgumentException("action: only promote");
        if (target == null || !ID.matcher(target).matches())
            throw new IllegalArgumentException("target: a director id (1..63 of A-Z a-z 0-9 . _ -)");
    }

    /** Whether an agent should still act on it at {@code nowMs}. */
    public boolean fresh(long nowMs) {
        return nowMs - requestedAtMs <= FRESH_MS && requestedAtMs - nowMs <= FRESH_MS;
    }
}
