package io.videolb.agent.loop;

import io.videolb.agent.desired.DesiredKernel;
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
 */
public record RunResult(
        long generation,
        Plan plan,
        List<String> applied,
        List<String> notApplied,
        List<String> drift,
        List<String> errors,
        DesiredKernel desired,
        long atMs) {
    public RunResult {
        applied = List.copyOf(applied);
        notApplied = List.copyOf(notApplied);
        drift = List.copyOf(drift);
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
