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
        List<DrainStatus> drains) {

    public AgentStatus {
        lastDrift = lastDrift == null ? List.of() : List.copyOf(lastDrift);
        errors = errors == null ? List.of() : List.copyOf(errors);
        pools = pools == null ? List.of() : List.copyOf(pools);
        drains = drains == null ? List.of() : List.copyOf(drains);
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /**
     * @param inService     servers that receive new connections (address -> weight as text "IP:W")
     * @param substitutions "FAILED->BACKUP" pairs in force
     * @param panic         too many servers looked down at once: all kept (fail open)
     * @param down          servers the checker reports down
     */
    public record PoolStatus(
            long mark, List<String> inService, List<String> substitutions, boolean panic, List<String> down) {
        public PoolStatus {
            inService = inService == null ? List.of() : List.copyOf(inService);
            substitutions = substitutions == null ? List.of() : List.copyOf(substitutions);
            down = down == null ? List.of() : List.copyOf(down);
        }
    }

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
}
