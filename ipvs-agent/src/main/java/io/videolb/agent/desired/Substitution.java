package io.videolb.agent.desired;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * A backup serving in a pool in place of one of its configured servers.
 *
 * @param mark   the pool
 * @param server the configured server
 * @param backup the backup that has its weight
 * @param cause  why the backup is in service
 */
public record Substitution(Fwmark mark, Ipv4Address server, Ipv4Address backup, Cause cause) {
    public enum Cause {
        /** The checker reports the server down. */
        SERVER_DOWN,
        /** The server is up again but its failback hold-down has not ended: the backup stays until it does. */
        FAILBACK_HOLD_DOWN,
        /** An operator put the server into maintenance (desired state): its backup carries its weight meanwhile. */
        MAINTENANCE
    }

    public Substitution {
        Objects.requireNonNull(mark, "mark");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(backup, "backup");
        Objects.requireNonNull(cause, "cause");
    }

    public boolean holdDown() {
        return cause == Cause.FAILBACK_HOLD_DOWN;
    }

    /**
     * As {@code AgentStatus.PoolStatus.substitutions} carries it: "SERVER->BACKUP", with " (hold-down)" appended while
     * the recovered server waits out its hold-down.
     */
    public String describe() {
        return server + "->" + backup
                + (holdDown() ? " (hold-down)" : cause == Cause.MAINTENANCE ? " (maintenance)" : "");
    }
}
