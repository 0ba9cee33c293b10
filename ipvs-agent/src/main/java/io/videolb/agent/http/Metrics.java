package io.videolb.agent.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.agent.desired.Substitution;
import io.videolb.agent.loop.RunResult;
import io.videolb.events.AgentStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/** Counters and gauges of the agent, served on {@code /metrics} through the service's Micrometer registry ({@link #bind}). */
public final class Metrics {
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong runErrors = new AtomicLong();
    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong changesNotApplied = new AtomicLong();
    private final AtomicLong driftRepaired = new AtomicLong();
    private final AtomicLong unitsRefused = new AtomicLong();
    private final AtomicLong desiredRefused = new AtomicLong();
    private final AtomicLong desiredSkipped = new AtomicLong();
    private final AtomicLong healthRefused = new AtomicLong();
    private volatile long refusedUnits;
    private volatile long foreignRules;
    private volatile long appliedGeneration;
    private volatile long desiredGeneration;
    private volatile long lastSuccessMs;
    private volatile long draining;
    private volatile long panicPools;
    private volatile long pending;
    private volatile boolean lastOk = true;
    private final String mode;
    private final AtomicLong failovers = new AtomicLong();
    private volatile long backupsInService;
    /** Substitutions (pool, server, backup) of the last successful run: a new one is a failover. */
    private Set<String> lastSubstitutions = Set.of();

    private io.micrometer.core.instrument.Timer reconcileDuration;
    private final AtomicLong loadWeightChanges = new AtomicLong();
    /** {@code videolb_agent_load_weight{pool,server}}: one row per server of an opted-in pool (issue 16). */
    private io.micrometer.core.instrument.MultiGauge loadWeights;

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
        refusedUnits = r.refused().size();
        foreignRules = r.foreignRules().size();
        unitsRefused.addAndGet(r.refused().size());
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
            recordLoadWeights(r.desired().pools());
            draining = r.desired().drains().size();
            panicPools = r.desired().pools().stream().filter(p -> p.panic()).count();
            Set<String> now = new HashSet<>();
            for (Substitution s : r.desired().substitutions())
                if (!s.holdDown()) now.add(s.mark().value() + " " + s.server() + " " + s.backup());
            backupsInService = r.desired().substitutions().size();
            if (r.ok()) {
                for (String s : now) if (!lastSubstitutions.contains(s)) failovers.incrementAndGet();
                lastSubstitutions = now;
            }
        }
    }

    /** The load-fed weights of the run: a row per server, changes counted (they reach the kernel with the run). */
    private void recordLoadWeights(List<AgentStatus.PoolStatus> pools) {
        List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows = new ArrayList<>();
        for (AgentStatus.PoolStatus p : pools) {
            for (AgentStatus.LoadWeight w : p.loadWeights()) {
                if (w.note().startsWith("changed")) loadWeightChanges.incrementAndGet();
                rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                        io.micrometer.core.instrument.Tags.of("pool", Long.toString(p.mark()), "server", w.server()),
                        w.weight()));
            }
        }
        if (loadWeights != null) loadWeights.register(rows, true);
    }

    public long loadWeightChanges() {
        return loadWeightChanges.get();
    }

    /** How long one reconcile run took (read, diff, apply, reboot files), into the histogram. */
    public void recordDuration(long nanos) {
        if (reconcileDuration != null) reconcileDuration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public long failovers() {
        return failovers.get();
    }

    /** Desired generations refused (issue 13: unsigned, wrongly signed, breaking a rule, ...). */
    public void desiredRefused(long n) {
        desiredRefused.addAndGet(n);
    }

    /** Desired-topic records skipped (stray keys, oversized values). */
    public void desiredSkipped(long n) {
        desiredSkipped.addAndGet(n);
    }

    /** A health record refused (undecodable, or a sequence beyond the clock skew). */
    public void healthRefused() {
        healthRefused.incrementAndGet();
    }

    public long healthRefusedTotal() {
        return healthRefused.get();
    }

    public long desiredRefusedTotal() {
        return desiredRefused.get();
    }

    public long driftRepaired() {
        return driftRepaired.get();
    }

    public long appliedGeneration() {
        return appliedGeneration;
    }

    public long lastSuccessMs() {
        return lastSuccessMs;
    }

    public boolean lastOk() {
        return lastOk;
    }

    public long runs() {
        return runs.get();
    }
    /** Changes the last run computed but could not apply here (plan-only parts). */
    public long pending() {
        return pending;
    }

    /**
     * Registers the agent's series on {@code registry} (the names and meanings of the hand-written
     * text this replaced, e.g. {@code videolb_agent_reconcile_runs_total}, {@code videolb_agent_changes_pending}).
     */
    public Metrics bind(MeterRegistry registry) {
        counter(registry, "videolb.agent.reconcile.runs", "Reconcile runs", runs);
        counter(registry, "videolb.agent.reconcile.errors", "Reconcile runs that failed", runErrors);
        counter(registry, "videolb.agent.changes.applied", "Kernel changes applied", changesApplied);
        counter(
                registry,
                "videolb.agent.changes.plan.only",
                "Kernel changes computed but not applied (plan-only part)",
                changesNotApplied);
        counter(
                registry,
                "videolb.agent.drift.repaired",
                "Kernel objects changed behind the agent's back and put back",
                driftRepaired);
        gauge(
                registry,
                "videolb.agent.applied.generation",
                "Desired generation the kernel matches (plan-only: stays 0, nothing is applied)",
                m -> m.appliedGeneration);
        gauge(
                registry,
                "videolb.agent.changes.pending",
                "Changes the last run computed but did not apply (plan-only parts)",
                m -> m.pending);
        gauge(registry, "videolb.agent.desired.generation", "Newest desired generation read", m -> m.desiredGeneration);
        gauge(
                registry,
                "videolb.agent.last.success.timestamp.seconds",
                "Time of the last successful run",
                m -> m.lastSuccessMs / 1000.0);
        gauge(
                registry,
                "videolb.agent.draining.servers",
                "Real servers at weight 0 waiting for their connections to end",
                m -> m.draining);
        gauge(
                registry,
                "videolb.agent.panic.pools",
                "Pools kept whole because too many servers looked down (fail open)",
                m -> m.panicPools);
        counter(
                registry,
                "videolb.agent.units.refused",
                "Units (a pool, the steering) the kernel refused in a run, summed over runs; the other units were applied",
                unitsRefused);
        counter(
                registry,
                "videolb.agent.desired.generations.refused",
                "Desired generations refused whole (unsigned, wrong signature or key id, digest mismatch, a broken rule)",
                desiredRefused);
        counter(
                registry,
                "videolb.agent.desired.records.skipped",
                "Desired-topic records reported and skipped (not a desired-state key, oversized)",
                desiredSkipped);
        counter(
                registry,
                "videolb.agent.health.records.refused",
                "Health records refused (undecodable, or a sequence further ahead than VIDEOLB_HEALTH_MAX_CLOCK_SKEW_S)",
                healthRefused);
        gauge(
                registry,
                "videolb.agent.refused.units",
                "Units (a pool, the steering) the kernel refused in the last run",
                m -> m.refusedUnits);
        gauge(
                registry,
                "videolb.agent.foreign.mark.rules",
                "Foreign mangle rules that can override the marks videolb's steering gives (see videolb migrate-marks)",
                m -> m.foreignRules);
        counter(
                registry,
                "videolb.agent.failovers",
                "Backups put in for a server the checker reports down (one per pool, server and backup), applied",
                failovers);
        gauge(
                registry,
                "videolb.agent.backups.in.service",
                "Backups standing in for a configured server in the last run (down, or in its failback hold-down)",
                m -> m.backupsInService);
        counter(
                registry,
                "videolb.agent.load.weight.changes",
                "Load-fed weight changes the runs chose (past the hysteresis and the least interval; issue 16)",
                loadWeightChanges);
        loadWeights = io.micrometer.core.instrument.MultiGauge.builder("videolb.agent.load.weight")
                .description("Load-fed IPVS weight of a server in rotation in a pool with VIDEOLB_AGENT_POOL_<MARK>"
                        + "_LOAD_WEIGHTS (1..65535), as the last run wants it")
                .register(registry);
        reconcileDuration = io.micrometer.core.instrument.Timer.builder("videolb.agent.reconcile.duration")
                .description("Duration of reconcile runs: read the kernel, diff, apply, reboot files (as kube-proxy's"
                        + " sync_proxy_rules_duration_seconds)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        Gauge.builder("videolb.agent.mode", () -> 1)
                .description("Mode: apply, steering-only or plan-only")
                .tag("mode", mode)
                .strongReference(true)
                .register(registry);
        return this;
    }

    /** Registers {@code videolb_agent_kernel_tool_timeouts_total}: kernel tool calls killed at their deadline. */
    public Metrics bindToolTimeouts(MeterRegistry registry, LongSupplier timeouts) {
        FunctionCounter.builder("videolb.agent.kernel.tool.timeouts", timeouts, t -> (double) t.getAsLong())
                .description("Kernel tool calls (ipset, iptables, ipvsadm) killed at their deadline")
                .register(registry);
        return this;
    }

    public long refusedUnits() {
        return refusedUnits;
    }

    private void counter(MeterRegistry registry, String name, String help, AtomicLong value) {
        FunctionCounter.builder(name, value, AtomicLong::get).description(help).register(registry);
    }

    private void gauge(MeterRegistry registry, String name, String help, ToDoubleFunction<Metrics> value) {
        Gauge.builder(name, this, value).description(help).strongReference(true).register(registry);
    }
}
