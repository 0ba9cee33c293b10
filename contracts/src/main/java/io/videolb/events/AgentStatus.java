package io.videolb.events;

import java.util.List;

/**
 * What one director's agent last did, published to the compacted agent-status topic keyed by
 * director id after every reconcile run.
 *
 * @param mode             "apply" on a real director, "steering-only" where the kernel has no IPVS (ipset/iptables
 *                         applied), "plan-only" where nothing is applied (requested, or no CAP_NET_ADMIN)
 * @param appliedGeneration the desired generation the kernel now matches (0: none yet)
 * @param desiredGeneration the newest generation the agent has read
 * @param driftRepairedTotal how many drifted kernel objects the agent has put back since it started
 * @param lastDrift        what the last run found changed behind its back, in plain words
 * @param errors           errors of the last run (empty when it succeeded)
 * @param pools            per pool: servers in service, substitutions, panic
 * @param drains           servers being drained
 * @param ha               this director's VRRP and connection-sync state (null where no peer director is configured)
 * @param health           how fresh the health verdicts are that this agent acts on (null before the first run)
 * @param foreignRules     rules of others that can override steering (for example per-client MARK rules after
 *                         videolb's jump), one line each as the kernel lists them
 * @param desiredRefused   why the newest desired generation was refused (unsigned, wrongly signed, unknown key id,
 *                         a broken validation rule, a digest mismatch; issue 13): the agent keeps serving
 *                         appliedGeneration; null when the newest generation read was accepted
 */
public record AgentStatus(
        String director,
        String mode,
        long appliedGeneration,
        long desiredGeneration,
        long lastRunAtMs,
        long lastSuccessAtMs,
        long driftRepairedTotal,
        List<String> lastDrift,
        List<String> errors,
        List<PoolStatus> pools,
        List<DrainStatus> drains,
        DirectorHa ha,
        HealthFreshness health,
        List<String> foreignRules,
        String desiredRefused) {

    public AgentStatus {
        foreignRules = foreignRules == null ? List.of() : List.copyOf(foreignRules);
        lastDrift = lastDrift == null ? List.of() : List.copyOf(lastDrift);
        errors = errors == null ? List.of() : List.copyOf(errors);
        pools = pools == null ? List.of() : List.copyOf(pools);
        drains = drains == null ? List.of() : List.copyOf(drains);
    }

    /** A status whose newest desired generation was accepted. */
    public AgentStatus(
            String director,
            String mode,
            long appliedGeneration,
            long desiredGeneration,
            long lastRunAtMs,
            long lastSuccessAtMs,
            long driftRepairedTotal,
            List<String> lastDrift,
            List<String> errors,
            List<PoolStatus> pools,
            List<DrainStatus> drains,
            DirectorHa ha,
            HealthFreshness health,
            List<String> foreignRules) {
        this(
                director,
                mode,
                appliedGeneration,
                desiredGeneration,
                lastRunAtMs,
                lastSuccessAtMs,
                driftRepairedTotal,
                lastDrift,
                errors,
                pools,
                drains,
                ha,
                health,
                foreignRules,
                null);
    }

    /** A status without HA, freshness or foreign-rule facts (single directors, tests). */
    public AgentStatus(
            String director,
            String mode,
            long appliedGeneration,
            long desiredGeneration,
            long lastRunAtMs,
            long lastSuccessAtMs,
            long driftRepairedTotal,
            List<String> lastDrift,
            List<String> errors,
            List<PoolStatus> pools,
            List<DrainStatus> drains) {
        this(
                director,
                mode,
                appliedGeneration,
                desiredGeneration,
                lastRunAtMs,
                lastSuccessAtMs,
                driftRepairedTotal,
                lastDrift,
                errors,
                pools,
                drains,
                null,
                null,
                List.of());
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /**
     * @param inService     servers that receive new connections (address -> weight as text "IP:W")
     * @param substitutions "FAILED->BACKUP" pairs in force
     * @param panic         too many servers looked down at once: all kept (fail open)
     * @param down          servers the checker reports down
     * @param connections   per real server of this pool's IPVS service, the connections the kernel counted in the
     *                      run (issue 15; empty from agents before it, or where the kernel has no such service)
     * @param refusedBackups per server that needed a backup, why a backup of its chain was passed over or why the
     *                      stream check could not decide (failover gating, issue 16), e.g.
     *                      {@code "192.0.2.11: backup 192.0.2.21 lacks stream live/cam7"}; empty when nothing was
     *                      refused or the stream inventory is off
     * @param loadWeights   per server in rotation of a pool with load-fed weights, its load and weight (issue 16,
     *                      decision 100; empty where the pool keeps its configured weights, and from older agents)
     */
    public record PoolStatus(
            long mark,
            List<String> inService,
            List<String> substitutions,
            boolean panic,
            List<String> down,
            List<ServerConnections> connections,
            List<String> refusedBackups,
            List<LoadWeight> loadWeights) {
        public PoolStatus {
            inService = inService == null ? List.of() : List.copyOf(inService);
            substitutions = substitutions == null ? List.of() : List.copyOf(substitutions);
            down = down == null ? List.of() : List.copyOf(down);
            connections = connections == null ? List.of() : List.copyOf(connections);
            refusedBackups = refusedBackups == null ? List.of() : List.copyOf(refusedBackups);
            loadWeights = loadWeights == null ? List.of() : List.copyOf(loadWeights);
        }

        /** This pool status with the load-fed weights the agent chose (issue 16, decision 100). */
        public PoolStatus withLoadWeights(List<LoadWeight> weights) {
            return new PoolStatus(mark, inService, substitutions, panic, down, connections, refusedBackups, weights);
        }

        /**
         * A pool status without failover-gating notes and load-fed weights (agents before issue 16, pools that keep
         * their configured weights, tests).
         */
        public PoolStatus(
                long mark,
                List<String> inService,
                List<String> substitutions,
                boolean panic,
                List<String> down,
                List<ServerConnections> connections) {
            this(mark, inService, substitutions, panic, down, connections, List.of(), List.of());
        }

        /** A pool status without per-server connection counts (agents before issue 15, tests). */
        public PoolStatus(
                long mark, List<String> inService, List<String> substitutions, boolean panic, List<String> down) {
            this(mark, inService, substitutions, panic, down, List.of());
        }
    }

    /**
     * One server's load-fed weight in one pool (issue 16, decision 100).
     *
     * @param server   the real server's address
     * @param basis    {@code viewers} or {@code bandwidth}
     * @param load     viewers, or outbound bit/s, from the server's newest inventory (-1: unknown)
     * @param capacity the server's declared capacity in the same unit
     * @param weight   the weight the agent wants in the kernel now (1..65535)
     * @param target   what the load alone would give (equal to {@code weight} unless held back)
     * @param note     {@code set}, {@code changed from N}, {@code held: ...} (hysteresis, rate limit) or
     *                 {@code kept: inventory unknown (...)}
     */
    public record LoadWeight(
            String server, String basis, long load, long capacity, int weight, int target, String note) {}

    /**
     * One real server's connections in one IPVS service, as the kernel counted them (ActiveConn, InActConn).
     *
     * @param server        the real server's address
     * @param weight        its kernel weight now (0 while draining)
     * @param activeConns   ESTABLISHED connections
     * @param inactiveConns connections in other states (in DR mostly closed ones lingering in FIN_WAIT/TIME_WAIT)
     */
    public record ServerConnections(String server, int weight, int activeConns, int inactiveConns) {}

    /** A server at weight 0 waiting for its connections to end, or its deadline. */
    public record DrainStatus(
            long mark,
            String server,
            String reason,
            long startedAtMs,
            long deadlineAtMs,
            int activeConns,
            int inactiveConns,
            boolean pastDeadline) {}

    /**
     * One director's part in the VRRP pair (issue 10).
     *
     * @param vrrpState          MASTER, BACKUP, FAULT, STOP or UNKNOWN, as keepalived last reported it
     * @param holdsVip           whether this director holds the VIP now
     * @param stateSinceMs       when the VRRP state last changed
     * @param syncRole           the IPVS sync daemon roles running ("master+backup", "master", "backup", "off")
     * @param connections        entries in this director's IPVS connection table
     * @param peer               the other director's id, as configured
     * @param lastTakeoverAtMs   when this director last became MASTER (0: never)
     * @param lastTakeoverReason why, in plain words
     * @param preemptBlockedBy   why this director does not take the VIP back now (empty: nothing holds it back)
     */
    public record DirectorHa(
            String vrrpState,
            boolean holdsVip,
            long stateSinceMs,
            String syncRole,
            int connections,
            String peer,
            long lastTakeoverAtMs,
            String lastTakeoverReason,
            String preemptBlockedBy) {}

    /**
     * How fresh the health verdicts are that the agent acts on (issue 12).
     *
     * @param stale            no checker refreshed within the bound: the agent holds its current state
     * @param newestRefreshAgeMs age of the newest checker refresh the agent has seen (-1: none yet)
     * @param staleAfterMs     the bound
     * @param reason           plain words when stale, empty otherwise
     */
    public record HealthFreshness(boolean stale, long newestRefreshAgeMs, long staleAfterMs, String reason) {}
}
