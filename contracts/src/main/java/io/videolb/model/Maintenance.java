package io.videolb.model;

import java.util.Objects;

/**
 * A server an operator took out of rotation (maintenance mode): weight 0 at once, so no new viewer reaches it;
 * its live connections may go on until {@code deadlineAtMs}; then (or as soon as it has no active connection) the
 * directors delete it. It stays out until an operator enables it again. The deadline is an absolute wall-clock time
 * in desired state, so a restarted agent or config-service keeps it (docs/decisions.md, "Maintenance is desired
 * state").
 *
 * @param server      the real server (or backup) in maintenance
 * @param startedAtMs when the drain was asked for
 * @param deadlineAtMs when its live connections are cut at the latest (>= startedAtMs)
 * @param by          who asked (token name, "cli")
 */
public record Maintenance(Ipv4Address server, long startedAtMs, long deadlineAtMs, String by) {
    public Maintenance {
        Objects.requireNonNull(server, "server");
        if (deadlineAtMs < startedAtMs) throw new IllegalArgumentException("deadline before start");
        by = by == null ? "" : by;
    }

    /** Whether the deadline has passed at {@code nowMs}. */
    public boolean pastDeadline(long nowMs) {
        return nowMs >= deadlineAtMs;
    }
}
