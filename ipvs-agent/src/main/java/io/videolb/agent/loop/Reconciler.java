package io.videolb.agent.loop;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Sysctls;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.Drain;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.events.DesiredSnapshot;
import io.videolb.model.Fwmark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reconcile run: read the kernel, compute the desired kernel, diff, render, check, apply the
 * parts this machine allows, record ownership, write the reboot files. Not thread-safe: the loop
 * runs one at a time.
 */
public final class Reconciler {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

    private final Kernel kernel;
    private final KernelCapabilities caps;
    private final Policy policy;
    private final Ownership ownership;
    private final RebootFiles reboot;
    private final Path sysctlRoot;
    private final SyncDaemon sync;
    private final LongSupplier clock;
    private final Renderer renderer;
    private Map<Drain.Key, Drain> drains = new HashMap<>();
    private KernelState lastApplied;
    private long runs;
    /** Sysctls and sync daemon ensured since the last {@link #recheckSetup()}. */
    private boolean ipvsSetUp;
    /** ... at least once in this process: from then on, what a re-check has to repair changed behind our back (drift). */
    private boolean ipvsSetUpOnce;

    private boolean holdDowns;

    public Reconciler(
            Kernel kernel,
            KernelCapabilities caps,
            Policy policy,
            Ownership ownership,
            RebootFiles reboot,
            Path sysctlRoot,
            SyncDaemon sync,
            LongSupplier clock) {
        this.kernel = kernel;
        this.caps = caps;
        this.policy = policy;
        this.ownership = ownership;
        this.reboot = reboot;
        this.sysctlRoot = sysctlRoot;
        this.sync = sync;
        this.clock = clock;
        this.renderer = new Renderer(kernel.names());
    }

    public KernelCapabilities capabilities() {
        return caps;
    }

    public boolean draining() {
        return !drains.isEmpty();
    }

    /**
     * True while something will change with time alone: a drain (connections end, deadline) or a
     * failback hold-down (ends at a moment no event marks). The loop runs again every drain-poll
     * interval meanwhile, instead of waiting for the next periodic resync (up to 30 s late).
     */
    public boolean needsPolling() {
        return !drains.isEmpty() || holdDowns;
    }

    public RunResult run(DesiredSnapshot snapshot, HealthView health) {
        long id = ++runs;
        long now = clock.getAsLong();
        List<String> errors = new ArrayList<>();
        List<String> drift = new ArrayList<>();
        KernelState observed;
        try {
            observed = kernel.read(caps);
        } catch (RuntimeException e) {
            LOG.warn("reconcile {}: cannot read the kernel: {}", id, e.getMessage());
            return new RunResult(
                    snapshot.generation(),
                    new Plan(List.of()),
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of("read kernel: " + e.getMessage()),
                    null,
                    now);
        }
        Set<Fwmark> owned = ownership.marks();
        if (lastApplied != null) {
            drift.addAll(Planner.plan(lastApplied, observed, owned).describe());
            if (!drift.isEmpty()) LOG.warn("reconcile {}: drift found, repairing: {}", id, drift);
        }
        DesiredKernel dk =
                DesiredKernel.compute(snapshot.state(), health, observed, drains, now, policy, kernel.names());
        Plan plan = Planner.plan(dk.state(), observed, owned);
        List<String> applied = new ArrayList<>();
        List<String> notApplied = new ArrayList<>();
        Plan toApply = plan;
        if (!caps.ipvs()) {
            notApplied.addAll(plan.onlyIpvs().describe());
            toApply = toApply.withoutIpvs();
        }
        if (!caps.steering()) {
            notApplied.addAll(toApply.withoutIpvs().describe());
            toApply = toApply.onlyIpvs();
        }
        if (!notApplied.isEmpty()) LOG.info("reconcile {}: plan-only ({}): would {}", id, caps.reason(), notApplied);
        try {
            List<Step> steps = renderer.render(toApply);
            if (caps.ipvs()) {
                ownership.addAll(dk.state().services().keySet()); // before creating: a crash leaves a harmless record
                ensureIpvsSetup(id, errors, drift);
            }
            for (Step s : steps) {
                LOG.info(
                        "reconcile {}: {} payload, {} lines: {}",
                        id,
                        s.tool(),
                        s.lines().size(),
                        s.changes());
                kernel.run(s);
                applied.addAll(s.changes());
            }
            if (caps.ipvs())
                ownership.retainOnly(new HashSet<>(dk.state().services().keySet()));
            logEndedDrains(id, dk);
            drains = new HashMap<>(dk.drains());
            holdDowns = dk.holdDownPending();
            KernelState nowApplied = caps.ipvs() ? dk.state() : dk.state().withoutIpvs();
            if (!caps.steering()) nowApplied = new KernelState(null, false, false, List.of(), 0, nowApplied.services());
            lastApplied = nowApplied;
            if (reboot != null && caps.steering() && caps.ipvs()) reboot.write(dk.state());
        } catch (Exception e) {
            LOG.warn("reconcile {}: apply failed after {} change(s): {}", id, applied.size(), e.getMessage());
            errors.add(e.getMessage());
            lastApplied = null; // unknown: the next run diffs against the kernel only
        }
        if (plan.isEmpty()) LOG.debug("reconcile {}: kernel matches generation {}", id, snapshot.generation());
        return new RunResult(snapshot.generation(), plan, applied, notApplied, drift, errors, dk, now);
    }

    /** One line per drain this run ended (the server was deleted): by idleness or by its deadline. */
    private void logEndedDrains(long id, DesiredKernel dk) {
        for (io.videolb.events.AgentStatus.DrainStatus d : dk.drainStatus()) {
            Drain.Key key = new Drain.Key(new Fwmark(d.mark()), io.videolb.model.Ipv4Address.parse(d.server()));
            if (dk.drains().containsKey(key)) continue; // still draining
            if (d.pastDeadline()) {
                LOG.info(
                        "reconcile {}: drain of {} in fwmark {} ({}) ended at its deadline with {} active, {} inactive connection(s)",
                        id,
                        d.server(),
                        d.mark(),
                        d.reason(),
                        d.activeConns(),
                        d.inactiveConns());
            } else {
                LOG.info(
                        "reconcile {}: drain of {} in fwmark {} ({}) ended: no active connections ({} inactive left to expire) after {} ms",
                        id,
                        d.server(),
                        d.mark(),
                        d.reason(),
                        d.inactiveConns(),
                        clock.getAsLong() - d.startedAtMs());
            }
        }
    }

    /**
     * Sets the IPVS sysctls and starts the sync daemon where they are not as wanted: before the first IPVS
     * apply, after a failed setup, and after each {@link #recheckSetup()}. Once the setup has succeeded in
     * this process, what it changes again was changed behind the agent's back: it is reported as drift.
     */
    private void ensureIpvsSetup(long id, List<String> errors, List<String> drift) {
        if (ipvsSetUp) return;
        try {
            if (sysctlRoot != null)
                setupChanged(
                        id,
                        Sysctls.ensure(sysctlRoot, Sysctls.wanted(sync)).stream()
                                .map(c -> "sysctl " + c)
                                .toList(),
                        drift);
            setupChanged(id, sync.ensure(kernel), drift);
            ipvsSetUp = true;
            ipvsSetUpOnce = true;
        } catch (Exception e) {
            errors.add("IPVS setup (sysctls, sync daemon): " + e.getMessage());
        }
    }

    private void setupChanged(long id, List<String> changed, List<String> drift) {
        if (changed.isEmpty()) return;
        if (ipvsSetUpOnce) {
            LOG.warn("reconcile {}: IPVS setup changed behind the agent's back, repaired: {}", id, changed);
            drift.addAll(changed);
        } else {
            LOG.info("reconcile {}: IPVS setup: {}", id, changed);
        }
    }

    /**
     * Makes the next run that applies IPVS check the sysctls and the sync daemon again. The loop calls it at
     * every periodic resync, on its own thread (this class is not thread-safe).
     */
    public void recheckSetup() {
        ipvsSetUp = false;
    }
}
