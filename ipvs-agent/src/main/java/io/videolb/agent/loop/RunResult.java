package io.videolb.agent.loop;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.observed.MangleRules;
import io.videolb.agent.plan.Plan;
import java.util.List;

/**
 * What one reconcile run did.
 *
 * @param plan      every change the run computed (including those not applied in plan-only parts)
 * @param applied   the changes it ran against the kernel
 * @param notApplied changes skipped because that part of the kernel is plan-only here
 * @param drift     what had changed behind the agent's back since its last successful apply
 * @param errors    empty when the run succeeded
 * @param refused   the units (pools "fwmark N", "steering") the kernel refused in this run, each with its error (also
 *     in {@code errors}); the other units were applied. Non-empty with every error in it: a partial run, after which
 *     the loop does not hold back the next event's run (see {@link #partial()})
 * @param foreignRules rules of others in the mangle table that can override the mark videolb's steering gives
 *     (see {@link MangleRules#overridingSteering})
 */
public record RunResult(
        long generation,
        Plan plan,
        List<String> applied,
        List<String> notApplied,
        List<String> drift,
        List<String> errors,
        DesiredKernel desired,
        long atMs,
        List<String> refused,
        List<String> foreignRules) {
    public RunResult(
            long generation,
            Plan plan,
            List<String> applied,
            List<String> notApplied,
            List<String> drift,
            List<String> errors,
            DesiredKernel desired,
            long atMs) {
        this(generation, plan, applied, notApplied, drift, errors, desired, atMs, List.of(), List.of());
    }

    public RunResult(
            long generation,
            Plan plan,
            List<String> applied,
            List<String> notApplied,
            List<String> drift,
            List<String> errors,
            DesiredKernel desired,
            long atMs,
            List<String> refused) {
        this(generation, plan, applied, notApplied, drift, errors, desired, atMs, refused, List.of());
    }

    public RunResult {
        refused = List.copyOf(refused);
        foreignRules = List.copyOf(foreignRules);
        applied = List.copyOf(applied);
        notApplied = List.copyOf(notApplied);
        drift = List.copyOf(drift);
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** Some units were refused, everything else was applied: the run failed only for those units. */
    public boolean partial() {
        return !refused.isEmpty() && refused.size() == errors.size();
    }
}
