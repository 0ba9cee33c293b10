package io.videolb.agent.http;

import io.videolb.agent.loop.RunResult;
import java.util.concurrent.atomic.AtomicLong;

/** Counters and gauges of the agent, rendered in the Prometheus text format. */
public final class Metrics {
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong runErrors = new AtomicLong();
    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong changesNotApplied = new AtomicLong();
    private final AtomicLong driftRepaired = new AtomicLong();
    private volatile long appliedGeneration;
    private volatile long desiredGeneration;
    private volatile long lastSuccessMs;
    private volatile long draining;
    private volatile long panicPools;
    private volatile long pending;
    private volatile boolean lastOk = true;
    private final String mode;

    public Metrics(String mode) {
        this.mode = mode;
    }

    public void record(RunResult r) {
        runs.incrementAndGet();
        changesApplied.addAndGet(r.applied().size());
        changesNotApplied.addAndGet(r.notApplied().size());
        desiredGeneration = r.generation();
        lastOk = r.ok();
        pending = r.notApplied().size();
        if (r.ok()) {
            driftRepaired.addAndGet(r.drift().size());
            // plan-only applies nothing: the kernel matches a generation only if nothing was left to do
            // (it is not even read there, so in practice: never). steering-only applies all it can
            // (ipset/iptables); the IPVS changes it cannot make are counted as pending and reported.
            if (!mode.equals("plan-only") || r.plan().isEmpty()) appliedGeneration = r.generation();
            lastSuccessMs = r.atMs();
        } else {
            runErrors.incrementAndGet();
        }
        if (r.desired() != null) {
            draining = r.desired().drains().size();
            panicPools = r.desired().pools().stream().filter(p -> p.panic()).count();
        }
    }

    public long driftRepaired() { return driftRepaired.get(); }
    public long appliedGeneration() { return appliedGeneration; }
    public long lastSuccessMs() { return lastSuccessMs; }
    public boolean lastOk() { return lastOk; }
    public long runs() { return runs.get(); }
    /** Changes the last run computed but could not apply here (plan-only parts). */
    public long pending() { return pending; }

    public String prometheus() {
        StringBuilder sb = new StringBuilder();
        counter(sb, "videolb_agent_reconcile_runs_total", "Reconcile runs", runs.get());
        counter(sb, "videolb_agent_reconcile_errors_total", "Reconcile runs that failed", runErrors.get());
        counter(sb, "videolb_agent_changes_applied_total", "Kernel changes applied", changesApplied.get());
        counter(sb, "videolb_agent_changes_plan_only_total", "Kernel changes computed but not applied (plan-only part)", changesNotApplied.get());
        counter(sb, "videolb_agent_drift_repaired_total", "Kernel objects changed behind the agent's back and put back", driftRepaired.get());
        gauge(sb, "videolb_agent_applied_generation", "Desired generation the kernel matches (plan-only: stays 0, nothing is applied)", appliedGeneration);
        gauge(sb, "videolb_agent_changes_pending", "Changes the last run computed but did not apply (plan-only parts)", pending);
        gauge(sb, "videolb_agent_desired_generation", "Newest desired generation read", desiredGeneration);
        gauge(sb, "videolb_agent_last_success_timestamp_seconds", "Time of the last successful run", lastSuccessMs / 1000.0);
        gauge(sb, "videolb_agent_draining_servers", "Real servers at weight 0 waiting for their connections to end", draining);
        gauge(sb, "videolb_agent_panic_pools", "Pools kept whole because too many servers looked down (fail open)", panicPools);
        sb.append("# HELP videolb_agent_mode Mode: apply, steering-only or plan-only\n# TYPE videolb_agent_mode gauge\n");
        sb.append("videolb_agent_mode{mode=\"").append(mode).append("\"} 1\n");
        return sb.toString();
    }

    private static void counter(StringBuilder sb, String name, String help, long v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
    }

    private static void gauge(StringBuilder sb, String name, String help, double v) {
        sb.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n").append(name).append(' ')
                .append(v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)).append('\n');
    }
}
