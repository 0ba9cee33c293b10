package io.videolb.config.http;

import io.videolb.events.AgentStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The parity guard of a promote (issue 10): the VIP moves to a BACKUP director only when its connection
 * table (entries seen through connection sync, {@code AgentStatus.ha.connections}) covers {@code coverage}
 * of the holder's live connections, as both agents last published them, and both statuses are younger
 * than {@code maxStatusAge}. Otherwise the move would cut the viewers whose entries the target lacks.
 * Pure: the caller passes the statuses and the time.
 *
 * @param coverage     share of the holder's connections the target must have, in (0, 1]
 * @param maxStatusAge statuses older than this (by {@code lastRunAtMs}) are not trusted
 */
public record PromoteParity(double coverage, Duration maxStatusAge) {
    public static final double DEFAULT_COVERAGE = 0.99;
    public static final Duration DEFAULT_MAX_STATUS_AGE = Duration.ofSeconds(120);

    public PromoteParity {
        if (!(coverage > 0 && coverage <= 1))
            throw new IllegalArgumentException("coverage must be in (0, 1]: " + coverage);
        Objects.requireNonNull(maxStatusAge, "maxStatusAge");
        if (maxStatusAge.isNegative() || maxStatusAge.isZero())
            throw new IllegalArgumentException("maxStatusAge must be positive: " + maxStatusAge);
    }

    /**
     * The measured figures and the verdict.
     *
     * @param target            the director to promote
     * @param holder            the director holding the VIP ("" when none reports holding it)
     * @param targetConnections entries in the target's connection table
     * @param holderConnections entries in the holder's connection table (0 when there is no holder)
     * @param required          connections the target needs: ceil(holder x coverage)
     * @param coverage          the ratio in force
     * @param targetAgeMs       age of the target's status (-1: none)
     * @param holderAgeMs       age of the holder's status (-1: no holder)
     * @param maxStatusAgeMs    the age bound
     * @param allowed           whether a promote without force may go ahead
     * @param reason            why not (empty when allowed), in plain words
     */
    public record Verdict(
            String target,
            String holder,
            int targetConnections,
            int holderConnections,
            int required,
            double coverage,
            long targetAgeMs,
            long holderAgeMs,
            long maxStatusAgeMs,
            boolean allowed,
            String reason) {

        /** "parity N of M connections (needs K)". */
        public String figure() {
            return "parity " + targetConnections + " of " + holderConnections + " connections (needs " + required
                    + " at coverage " + coverage + ")";
        }
    }

    /** Whether {@code target} may take the VIP from the director holding it, judged on {@code agents} at {@code nowMs}. */
    public Verdict check(String target, Map<String, AgentStatus> agents, long nowMs) {
        AgentStatus t = agents.get(target);
        long maxAge = maxStatusAge.toMillis();
        if (t == null || t.ha() == null)
            return new Verdict(
                    target, "", 0, 0, 0, coverage, -1, -1, maxAge, false, target + " reports no director HA");
        Optional<AgentStatus> h = holder(target, t.ha().peer(), agents);
        int tc = Math.max(0, t.ha().connections());
        long tAge = age(t, nowMs);
        String holder = h.map(AgentStatus::director).orElse("");
        int hc = h.map(a -> Math.max(0, a.ha().connections())).orElse(0);
        long hAge = h.map(a -> age(a, nowMs)).orElse(-1L);
        int required = (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(hc * coverage - 1e-9));
        String why;
        if (t.ha().holdsVip()) why = "";
        else if (!"BACKUP".equals(t.ha().vrrpState()))
            why = target + " is " + t.ha().vrrpState() + ", not BACKUP: it cannot take the VIP now";
        else if (tAge > maxAge)
            why = "the status of " + target + " is " + tAge + " ms old (bound " + maxAge
                    + " ms): its connection count is not trusted";
        else if (h.isPresent() && hAge > maxAge)
            why = "the status of the holder " + holder + " is " + hAge + " ms old (bound " + maxAge
                    + " ms): its connection count is not trusted";
        else if (tc < required)
            why = target + " has " + tc + " of the " + hc + " connections of " + holder + " (needs " + required
                    + " at coverage " + coverage + "): promoting now would cut the viewers it lacks";
        else why = "";
        return new Verdict(target, holder, tc, hc, required, coverage, tAge, hAge, maxAge, why.isEmpty(), why);
    }

    /** The director the target would take the VIP from: its configured peer if that holds it, else the holder with most connections. */
    static Optional<AgentStatus> holder(String target, String peer, Map<String, AgentStatus> agents) {
        AgentStatus p = peer == null ? null : agents.get(peer);
        if (p != null && !p.director().equals(target) && p.ha() != null && p.ha().holdsVip()) return Optional.of(p);
        return agents.values().stream()
                .filter(a -> !a.director().equals(target) && a.ha() != null && a.ha().holdsVip())
                .max(java.util.Comparator.comparingInt((AgentStatus a) -> a.ha().connections())
                        .thenComparing(AgentStatus::director));
    }

    private static long age(AgentStatus a, long nowMs) {
        return Math.max(0, nowMs - a.lastRunAtMs());
    }
}
