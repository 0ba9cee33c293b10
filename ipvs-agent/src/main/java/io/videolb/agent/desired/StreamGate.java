package io.videolb.agent.desired;

import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Failover gating (issue 16, decision 99): may {@code backup} stand in for {@code server}? Only if it publishes every
 * stream {@code server} was publishing when last known UP. Pure.
 *
 * <ul>
 *   <li>No inventory record for either server (inventory off, the default, or off for their pool): accepted without a
 *       word, exactly the rule without gating.
 *   <li>The server's streams while UP never read (its stats read failed since the agent started, or the inventory was
 *       turned on while it was down): the gate cannot decide, the backup is accepted (the rule without gating) and
 *       that is reported.
 *   <li>The server carried no stream: accepted.
 *   <li>The backup's inventory unknown (its stats read failed) or absent: the gate cannot decide; an unknown
 *       inventory is never read as "no streams"; accepted, and reported.
 *   <li>The backup lacks one of the streams (not present, or present but not publishing): <b>refused</b>, the next
 *       usable backup of the chain is tried.
 * </ul>
 * The pool's required streams ({@code VIDEOLB_HEALTH_POOL_<MARK>_REQUIRED_STREAMS}) are not checked here: health-service
 * turns a server (backups included, probed with their primary's pool settings) that does not publish one of them
 * DOWN, and a DOWN backup never stands in.
 */
public final class StreamGate {
    private StreamGate() {}

    /** The gate's answer: refused with the missing streams, or accepted with a note ("" when decided). */
    public record Result(boolean accepted, List<String> missing, String note) {
        public Result {
            missing = List.copyOf(missing);
            note = note == null ? "" : note;
        }

        static Result accept(String note) {
            return new Result(true, List.of(), note);
        }

        /** The line the agent reports for a refused backup or an undecided check, "" when there is nothing to say. */
        public String describe(Ipv4Address backup) {
            if (!accepted) return "backup " + backup + " lacks stream " + String.join(", ", missing);
            return note;
        }
    }

    public static Result check(Ipv4Address server, Ipv4Address backup, Map<Ipv4Address, ServerStreamFacts> facts) {
        ServerStreamFacts p = facts.get(server);
        ServerStreamFacts b = facts.get(backup);
        if (p == null && b == null) return Result.accept("");
        if (p == null || p.carriedWhenUp() == null) {
            return Result.accept("streams of " + server + " unknown (no inventory read while it was up): backup "
                    + backup + " used unchecked");
        }
        if (p.carriedWhenUp().isEmpty()) return Result.accept("");
        if (b == null || !b.known()) {
            return Result.accept("inventory of backup " + backup + " unknown"
                    + (b == null ? "" : " (" + b.reason() + ")") + ": used unchecked for the streams of " + server);
        }
        TreeSet<String> missing = new TreeSet<>(p.carriedWhenUp());
        missing.removeAll(b.publishing());
        if (missing.isEmpty()) return Result.accept("");
        return new Result(false, List.copyOf(missing), "");
    }
}
