package io.videolb.agent.loop;

import io.videolb.agent.apply.ConnReuseMode;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelException;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Sysctls;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.Drain;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.observed.MangleRules;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.agent.weights.LoadWeigher;
import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.ServerStreams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
    /** The desired generation {@link #lastApplied} belongs to. */
    private long lastAppliedGeneration = -1;
    /** That generation's desired state (the client fast path diffs the next one against it; null: none). */
    private DesiredState lastAppliedState;
    /** The health view the run behind {@link #lastApplied} acted on (null: none). */
    private HealthView lastHealth;
    /** The desired kernel of that run (the status of a client fast edit reports its pools, substitutions and drains). */
    private DesiredKernel lastDesired;
    /** The changes that run could not apply here (steering-only: the IPVS ones); a client edit does not change them. */
    private List<String> lastNotApplied = List.of();
    /**
     * Client fast edits applied since {@link #lastApplied} was built, not yet merged into its set: merging copies the
     * whole set (about 50 ms at 1,000,000 members), so it waits until a full run needs the set ({@link #applied()}).
     */
    private final List<ClientFastPath.Edits> setEditsNotMerged = new ArrayList<>();

    private long runs;
    /** Sysctls and sync daemon ensured since the last {@link #recheckSetup()}. */
    private boolean ipvsSetUp;
    /** ... at least once in this process: from then on, what a re-check has to repair changed behind our back (drift). */
    private boolean ipvsSetUpOnce;

    private boolean holdDowns;
    /** Load-fed weights (issue 16); off unless {@link #loadWeights} sets one. */
    private LoadWeigher weigher = new LoadWeigher(LoadWeightSettings.OFF, 1);

    private List<String> lastForeign = List.of();
    /** IPVS sysctls this process could not set (a container's read-only /proc/sys), as of the last setup check. */
    private volatile List<String> unmetSetup = List.of();

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
        this.drains = new HashMap<>(ownership.drains()); // the previous run's drains keep their deadlines
        if (!drains.isEmpty()) LOG.info("drains from before the restart, deadlines kept: {}", drains.values());
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
        return !drains.isEmpty() || holdDowns || weigher.pending();
    }

    /** Turns load-fed weights on for the pools {@code w} names (before the first run). */
    public Reconciler loadWeights(LoadWeigher w) {
        this.weigher = Objects.requireNonNull(w, "w");
        return this;
    }

    public LoadWeigher loadWeigher() {
        return weigher;
    }

    public RunResult run(DesiredSnapshot snapshot, HealthView health) {
        return run(snapshot, health, Map.of());
    }

    /** @param inventories the newest stream inventory per server (for load-fed weights) */
    public RunResult run(DesiredSnapshot snapshot, HealthView health, Map<Ipv4Address, ServerStreams> inventories) {
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
        if (applied() != null) {
            drift.addAll(Planner.plan(lastApplied, observed, owned).describe());
            if (!drift.isEmpty()) LOG.warn("reconcile {}: drift found, repairing: {}", id, drift);
        }
        DesiredKernel dk =
                DesiredKernel.compute(snapshot.state(), health, observed, drains, now, policy, kernel.names(), owned);
        dk = weigher.apply(dk, snapshot.state(), observed, inventories, now);
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
        List<String> refused = new ArrayList<>();
        try {
            List<Step> steps = renderer.render(toApply);
            if (caps.ipvs()) {
                ownership.addAll(dk.state().services().keySet()); // before creating: a crash leaves a harmless record
                ensureIpvsSetup(id, errors, drift);
            }
            Map<String, String> failedUnits = applySteps(id, steps, applied, false);
            failedUnits.forEach((unit, why) -> refused.add(unit + ": " + why));
            errors.addAll(refused);
            Set<Fwmark> failedPools = failedPools(failedUnits.keySet(), observed, dk);
            if (caps.ipvs()) {
                Set<Fwmark> keep = new HashSet<>(dk.state().services().keySet());
                keep.addAll(failedPools); // a refused delete is tried again at the next run
                ownership.retainOnly(keep);
            }
            logEndedDrains(id, dk);
            Map<Drain.Key, Drain> nextDrains = new HashMap<>(dk.drains());
            if (!failedPools.isEmpty()) { // a refused pool keeps its drains as they were before this run
                nextDrains.keySet().removeIf(k -> failedPools.contains(k.mark()));
                drains.forEach((k, d) -> {
                    if (failedPools.contains(k.mark())) nextDrains.put(k, d);
                });
            }
            drains = nextDrains;
            if (caps.ipvs()) ownership.saveDrains(drains);
            holdDowns = dk.holdDownPending();
            if (failedUnits.isEmpty()) {
                KernelState nowApplied = caps.ipvs() ? dk.state() : dk.state().withoutIpvs();
                if (!caps.steering())
                    nowApplied = new KernelState(null, false, false, List.of(), 0, nowApplied.services());
                setApplied(nowApplied);
                lastAppliedGeneration = snapshot.generation();
                lastAppliedState = snapshot.state();
                lastHealth = health;
                lastDesired = dk;
                lastNotApplied = List.copyOf(notApplied);
                if (reboot != null && caps.steering() && caps.ipvs()) reboot.write(dk.state(), owned);
            } else {
                setApplied(null); // partly unknown: the next run diffs against the kernel only
                if (reboot != null && caps.steering() && caps.ipvs()) writeRebootAfterRefusal(id, dk, owned);
            }
        } catch (Exception e) {
            LOG.warn("reconcile {}: apply failed after {} change(s): {}", id, applied.size(), e.getMessage());
            errors.add(problem(e));
            setApplied(null); // unknown: the next run diffs against the kernel only
        }
        if (plan.isEmpty()) LOG.debug("reconcile {}: kernel matches generation {}", id, snapshot.generation());
        List<String> foreign = foreignRules(id, snapshot);
        return new RunResult(
                snapshot.generation(), plan, applied, notApplied, drift, errors, dk, now, refused, foreign);
    }

    /**
     * The event-driven fast path ({@link FastPath}): when a health change only moves real servers of existing
     * videolb services, applies those edits at once (one {@code ipvsadm -R} per pool touched) against the state the
     * last run applied, without reading the kernel, computing the steering or writing the reboot files. Empty when
     * the change is for the full run ({@link FastPath.Full}; also where IPVS is not applied, or its setup is not
     * ensured yet). An edit the kernel refuses makes the state unknown: the result carries the error, and the next
     * run (which the loop asks for) is a full one.
     */
    public Optional<RunResult> fastRun(DesiredSnapshot snapshot, HealthView health) {
        return fastRun(snapshot, health, Map.of());
    }

    /**
     * @param inventories the newest stream inventory per server (for load-fed weights): the fast edit carries the
     *     weights the full run would choose from them ({@link FastPath}), and the weigher's memory (hysteresis, least
     *     interval) moves only when the edit is applied
     */
    public Optional<RunResult> fastRun(
            DesiredSnapshot snapshot, HealthView health, Map<Ipv4Address, ServerStreams> inventories) {
        if (snapshot != null && snapshot.generation() != lastAppliedGeneration) return clientFastRun(snapshot, health);
        if (!caps.ipvs() || !ipvsSetUp) return Optional.empty();
        long now = clock.getAsLong();
        Set<Fwmark> owned = ownership.marks();
        FastPath.Decision d = FastPath.decide(
                lastApplied,
                lastAppliedGeneration,
                snapshot,
                health,
                drains,
                holdDowns,
                now,
                policy,
                kernel.names(),
                owned,
                weigher,
                inventories);
        if (d instanceof FastPath.Full full) {
            LOG.debug("fast path: not taken ({})", full.reason());
            return Optional.empty();
        }
        FastPath.Edits edits = (FastPath.Edits) d;
        long id = ++runs;
        List<String> applied = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        try {
            Map<String, String> failed = applySteps(id, renderer.render(edits.ipvs()), applied, true);
            failed.forEach((unit, why) -> refused.add(unit + ": " + why));
            errors.addAll(refused);
        } catch (RuntimeException e) { // a payload the checker refused: nothing of it ran
            errors.add(problem(e));
        }
        if (errors.isEmpty()) {
            lastApplied = edits.applied();
            lastHealth = health;
            lastDesired = edits.desired();
            weigher.commit(edits.weights()); // the weights in the kernel are the current ones now
            if (!edits.drains().equals(drains)) { // drains the change cancelled (their server in service again)
                for (Drain.Key k : drains.keySet())
                    if (!edits.drains().containsKey(k))
                        LOG.info(
                                "reconcile {}: drain of {} in fwmark {} cancelled: back in service",
                                id,
                                k.server(),
                                k.mark());
                drains = new HashMap<>(edits.drains());
                ownership.saveDrains(drains);
            }
            LOG.info("reconcile {}: fast path applied {}", id, applied);
        } else {
            setApplied(null); // unknown: the next (full) run diffs against the kernel only
            LOG.warn("reconcile {}: fast path failed, a full reconcile follows: {}", id, errors);
        }
        return Optional.of(new RunResult(
                snapshot.generation(),
                edits.ipvs(),
                applied,
                List.of(),
                List.of(),
                errors,
                edits.desired(),
                now,
                refused,
                lastForeign));
    }

    /**
     * The client fast path ({@link ClientFastPath}, decision 127): a new generation that changes only client steering
     * entries, a bounded number of them, is applied as one in-place edit of the steering set (one batch to the
     * kernel's long-lived {@code ipset -}, {@link Kernel#runEdit}) against the state the last run applied, without
     * reading the kernel or writing the reboot files (the full run the loop asks for after it does both). Empty when
     * the generation is for the full run. A refused or failed edit makes the state unknown: the result carries the
     * error, and the next run is a full one.
     */
    Optional<RunResult> clientFastRun(DesiredSnapshot snapshot, HealthView health) {
        ClientFastPath.Decision d = ClientFastPath.decide(
                lastApplied, lastAppliedState, lastAppliedGeneration, lastHealth, snapshot, health, caps.steering());
        if (d instanceof ClientFastPath.Full full) {
            LOG.debug("client fast path: not taken for generation {} ({})", snapshot.generation(), full.reason());
            return Optional.empty();
        }
        ClientFastPath.Edits edits = (ClientFastPath.Edits) d;
        long id = ++runs;
        long now = clock.getAsLong();
        Plan plan = edits.size() == 0 ? new Plan(List.of()) : new Plan(List.of(edits.edit()));
        List<String> applied = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        try {
            Map<String, String> failed = applySteps(id, renderer.render(plan), applied, true);
            failed.forEach((unit, why) -> refused.add(unit + ": " + why));
            errors.addAll(refused);
        } catch (RuntimeException e) { // a payload the checker refused: nothing of it ran
            errors.add(problem(e));
        }
        if (errors.isEmpty()) {
            setEditsNotMerged.add(edits); // merged into lastApplied's set when a full run needs it (a copy)
            lastAppliedGeneration = snapshot.generation();
            lastAppliedState = snapshot.state();
            LOG.info(
                    "reconcile {}: client fast path applied generation {} ({} set entr{})",
                    id,
                    snapshot.generation(),
                    edits.size(),
                    edits.size() == 1 ? "y" : "ies");
        } else {
            setApplied(null); // unknown: the next (full) run diffs against the kernel only
            LOG.warn("reconcile {}: client fast path failed, a full reconcile follows: {}", id, errors);
        }
        return Optional.of(new RunResult(
                snapshot.generation(),
                plan,
                applied,
                lastNotApplied,
                List.of(),
                errors,
                lastDesired, // pools, substitutions, drains: unchanged by a client edit (the status has no members)
                now,
                refused,
                lastForeign));
    }

    /** Replaces the applied state (null: unknown); the client edits not merged yet belonged to the old one. */
    private void setApplied(KernelState s) {
        lastApplied = s;
        setEditsNotMerged.clear();
    }

    /** {@link #lastApplied} with the client fast edits since it was built merged into its set (null: unknown). */
    private KernelState applied() {
        if (lastApplied == null || setEditsNotMerged.isEmpty()) return lastApplied;
        TreeMap<Ipv4Network, Fwmark> members = new TreeMap<>(lastApplied.set().members());
        int maxelem = lastApplied.set().maxelem();
        for (ClientFastPath.Edits e : setEditsNotMerged) { // in the order they were applied
            members.putAll(e.edit().put());
            e.edit().delete().forEach(members::remove);
            maxelem = e.maxelem();
        }
        setEditsNotMerged.clear();
        lastApplied = lastApplied.withSet(new KernelState.SetState(maxelem, members, 0));
        return lastApplied;
    }

    /** Foreign mangle rules that can override steering, from the table this run read (logged when they change). */
    private List<String> foreignRules(long id, DesiredSnapshot snapshot) {
        String mangle = kernel.lastMangle();
        if (mangle == null || !caps.steering()) return List.of();
        List<String> found = MangleRules.parse(mangle)
                .overridingSteering(kernel.names(), snapshot.state().params().vip());
        if (!found.equals(lastForeign) && !found.isEmpty())
            LOG.warn(
                    "reconcile {}: {} foreign mangle rule(s) can override the marks videolb's steering gives (see"
                            + " `videolb migrate-marks`): {}",
                    id,
                    found.size(),
                    found.size() > 5 ? found.subList(0, 5) + " ..." : found);
        lastForeign = found;
        return found;
    }

    /**
     * Runs the steps in order; a step the kernel refuses (or a tool that hangs past its deadline) fails its unit
     * only: the unit's later steps are skipped, other units' steps still run (as kube-proxy goes on per service).
     * Returns the failed units with their first error, in the order they failed.
     */
    /** @param edit the fast path's edits: IPVS payloads go to the kernel's long-lived session ({@link Kernel#runEdit}) */
    private Map<String, String> applySteps(long id, List<Step> steps, List<String> applied, boolean edit) {
        Map<String, String> failed = new LinkedHashMap<>();
        for (Step s : steps) {
            if (failed.containsKey(s.unit())) {
                LOG.warn("reconcile {}: {} skipped after its unit failed: {}", id, s.unit(), s.changes());
                continue;
            }
            LOG.info(
                    "reconcile {}: {} {} payload, {} lines: {}",
                    id,
                    s.unit(),
                    s.tool(),
                    s.lines().size(),
                    s.changes());
            try {
                if (edit) kernel.runEdit(s);
                else kernel.run(s);
                applied.addAll(s.changes());
            } catch (KernelException e) {
                LOG.warn("reconcile {}: {} refused, the other units go on: {}", id, s.unit(), e.getMessage());
                failed.put(s.unit(), problem(e));
            }
        }
        return failed;
    }

    /** The pools among the failed units ("fwmark N"). */
    private static Set<Fwmark> failedPools(Set<String> units, KernelState observed, DesiredKernel dk) {
        Set<Fwmark> out = new HashSet<>();
        for (Fwmark m : dk.state().services().keySet()) if (units.contains(Step.poolUnit(m))) out.add(m);
        for (Fwmark m : observed.services().keySet()) if (units.contains(Step.poolUnit(m))) out.add(m);
        return out;
    }

    /**
     * After a refusal the kernel is neither the old nor the desired state: the reboot files are written from what the
     * kernel holds now (read again), limited to the fwmark services videolb manages, so a reboot restores what ran.
     */
    private void writeRebootAfterRefusal(long id, DesiredKernel dk, Set<Fwmark> ownedAtStart) {
        try {
            KernelState now = kernel.read(caps);
            TreeMap<Fwmark, IpvsService> ours = new TreeMap<>();
            Set<Fwmark> managed = new HashSet<>(dk.state().services().keySet());
            managed.addAll(ownership.marks());
            managed.addAll(ownedAtStart);
            now.services().forEach((m, svc) -> {
                if (managed.contains(m) && svc.scheduler() != null) ours.put(m, svc);
            });
            reboot.write(now.withServices(ours), managed);
        } catch (Exception e) {
            LOG.warn("reconcile {}: reboot files not written after the refusal: {}", id, e.getMessage());
        }
    }

    /** One line per drain this run ended (the server was deleted): by idleness or by its deadline. */
    private void logEndedDrains(long id, DesiredKernel dk) {
        for (AgentStatus.DrainStatus d : dk.drainStatus()) {
            Drain.Key key = new Drain.Key(new Fwmark(d.mark()), Ipv4Address.parse(d.server()));
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
            List<String> unmet = new ArrayList<>();
            if (sysctlRoot != null) {
                Sysctls.Outcome o = Sysctls.apply(sysctlRoot, Sysctls.wanted(sync));
                setupChanged(id, o.changed().stream().map(c -> "sysctl " + c).toList(), drift);
                unmet.addAll(o.unmet());
                try {
                    connReuseMode(id, drift);
                } catch (IOException e) {
                    unmet.add(Sysctls.unmet("net/ipv4/vs/conn_reuse_mode", "unchanged", "1", e));
                }
            }
            if (!unmet.equals(unmetSetup)) {
                // said once per change, not at every run; the status carries it at every publish
                for (String u : unmet) LOG.warn("reconcile {}: {}", id, u);
                if (unmet.isEmpty() && !unmetSetup.isEmpty())
                    LOG.info("reconcile {}: every IPVS sysctl is now as videolb needs it", id);
            }
            unmetSetup = List.copyOf(unmet);
            // the sync daemon does not need /proc/sys: it starts even where the sysctls could not be set
            setupChanged(id, sync.ensure(kernel), drift);
            ipvsSetUp = true;
            ipvsSetUpOnce = true;
        } catch (Exception e) {
            errors.add("IPVS setup (sysctls, sync daemon): " + e.getMessage());
        }
    }

    /**
     * The IPVS sysctls this process could not set at its last setup check, each with what it means and how to set it
     * on the host (empty when all are as needed). Published in the agent status's errors; the runs still succeed.
     */
    public List<String> unmetSetup() {
        return unmetSetup;
    }

    /** conn_reuse_mode by kernel version ({@link ConnReuseMode}); a "left ..." line is a warning, not a change. */
    private void connReuseMode(long id, List<String> drift) throws IOException {
        List<String> changed = new ArrayList<>();
        for (String c : ConnReuseMode.ensure(sysctlRoot)) {
            if (c.startsWith("left ")) {
                if (!ipvsSetUpOnce) LOG.warn("reconcile {}: {}", id, c);
            } else changed.add("sysctl " + c);
        }
        setupChanged(id, changed, drift);
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

    /**
     * The words for a failure in a run's errors: its message, or its type where it has none (an interrupted run at
     * close throws ones without a message, and a null in the errors made {@link RunResult} throw).
     */
    static String problem(Exception e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
