package io.videolb.agent.loop;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.Drain;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.weights.LoadWeigher;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.ServerStreams;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The rule of the event-driven fast path (pure): which health-verdict changes become IPVS edits at once, without
 * reading the kernel, and which wait for a full reconcile. The edits are computed from the whole health view (never
 * from the one record that arrived), against the state the last successful run applied: a stale or out-of-order
 * verdict, which {@code HealthBook} does not let into the view, can therefore never be applied, and two verdicts
 * that cancel out cost no edit.
 *
 * <p>Fast: the same desired generation as the last applied run, no hold-down before or after, no drain started or
 * ended, and the difference is only real servers of existing videolb services (add / weight edit / delete): a DOWN
 * server leaving for its backup, a server coming back where nothing stood in for it, a backup taking over from a
 * down backup. Drains in progress do not stop it (decision 126: a failback's drain lasts up to 300 s, and every
 * failover on the director would wait for a full run meanwhile): the fast path has no connection counters (the last
 * run applied weight 0 without them), so it takes every draining server as busy; a drain may be cancelled by the
 * change (its server back in service, e.g. a backup draining after a failback that is needed again), but one that
 * would end (idle, or past its deadline) or a new one is the full run's, which reads the counters. Everything else
 * (a new generation, a failback that starts a hold-down or a drain, a service to create or delete, the steering, an
 * unknown kernel after a failure, nothing to change) is {@link Full}: the full run decides, as before.
 *
 * <p>Load-fed weights (decision 100): the desired kernel is weighed by the agent's own {@link LoadWeigher} with
 * {@link LoadWeigher#weigh}, the computation behind the full run's {@link LoadWeigher#apply}, against the state the
 * last run applied (what the full run reads back when nothing drifted) and with the same inventories, so a fast edit
 * puts in the weights the full run would choose: the follow-up full run has nothing to change, and the hysteresis and
 * the least interval are the weigher's one memory. The decision only weighs; the caller commits the weigher's memory
 * ({@link LoadWeigher#commit}) once the edits are applied, so a change left to the full run changes no memory.
 */
public final class FastPath {
    private FastPath() {}

    /** What to do with a verdict change. */
    public sealed interface Decision {}

    /**
     * Apply {@code ipvs} (server-level IPVS changes only, in the planner's order) at once.
     *
     * @param desired the whole desired kernel of this moment, weighed (pools, substitutions, load weights: the status
     *     publishes it)
     * @param applied what the kernel holds once the edits are applied (the next fast path diffs against it)
     * @param weights the weigher's result behind {@code desired}: to {@link LoadWeigher#commit} once applied
     */
    public record Edits(Plan ipvs, DesiredKernel desired, KernelState applied, LoadWeigher.Weighed weights)
            implements Decision {
        /** The drains once the edits are applied: those in progress, less the ones the change cancelled. */
        public Map<Drain.Key, Drain> drains() {
            return desired.drains();
        }
    }

    /** Leave it to the full reconcile, for this reason (logged at debug). */
    public record Full(String reason) implements Decision {}

    /**
     * @param lastApplied     what the last successful run applied (null: unknown, e.g. after a refused edit)
     * @param lastGeneration  the desired generation of that run
     * @param drains          the drains in progress
     * @param holdDownPending a failback hold-down is pending (it ends with time, the full run's polling handles it)
     * @param weigher         the agent's load weigher (only {@link LoadWeigher#weigh} is called: no memory changes)
     * @param inventories     the newest stream inventory per server, as the full run gets them
     */
    public static Decision decide(
            KernelState lastApplied,
            long lastGeneration,
            DesiredSnapshot snapshot,
            HealthView health,
            Map<Drain.Key, Drain> drains,
            boolean holdDownPending,
            long nowMs,
            Policy policy,
            Names names,
            Set<Fwmark> owned,
            LoadWeigher weigher,
            Map<Ipv4Address, ServerStreams> inventories) {
        if (lastApplied == null) return new Full("the kernel's state is not known since the last run");
        if (snapshot == null) return new Full("no desired generation");
        if (snapshot.generation() != lastGeneration)
            return new Full(
                    "desired generation " + snapshot.generation() + " not applied yet (last " + lastGeneration + ")");
        if (holdDownPending) return new Full("a failback hold-down is pending");
        DesiredKernel dk = DesiredKernel.compute(
                snapshot.state(), health, drainsBusy(lastApplied, drains), drains, nowMs, policy, names, owned);
        for (Drain d : dk.drains().values())
            if (!d.equals(drains.get(d.key()))) return new Full("the change starts a drain");
        for (Drain.Key k : drains.keySet()) {
            if (dk.drains().containsKey(k)) continue;
            IpvsService svc = dk.state().services().get(k.mark());
            RealServerState rs = svc == null ? null : svc.servers().get(k.server());
            if (rs == null || rs.weight() == 0)
                return new Full("the drain of " + k.server() + " in fwmark " + k.mark() + " ends (idle or past its"
                        + " deadline: the full run reads the counters)");
        }
        if (dk.holdDownPending()) return new Full("the change starts a failback hold-down");
        LoadWeigher.Weighed weighed = weigher.weigh(dk, snapshot.state(), lastApplied, inventories, nowMs);
        dk = weighed.kernel();
        // IPVS only: the steering is the same generation's, so it is not diffed (100,000s of members)
        Plan plan = Planner.plan(ipvsOnly(dk.state().services()), ipvsOnly(lastApplied.services()), owned);
        if (plan.isEmpty()) return new Full("no IPVS change");
        for (Change c : plan.changes()) {
            boolean serverLevel =
                    c instanceof Change.ServerAdd || c instanceof Change.ServerEdit || c instanceof Change.ServerDelete;
            if (!serverLevel) return new Full("not a real-server change: " + c.describe());
        }
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>(dk.state().services());
        return new Edits(plan, dk, lastApplied.withServices(services), weighed);
    }

    /**
     * The last applied state with every draining server taken as busy (one active connection at least): the fast path
     * has no counters, so only the full run, which reads them, may find a drain idle.
     */
    static KernelState drainsBusy(KernelState applied, Map<Drain.Key, Drain> drains) {
        if (drains.isEmpty()) return applied;
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>(applied.services());
        for (Drain.Key k : drains.keySet()) {
            IpvsService svc = services.get(k.mark());
            RealServerState rs = svc == null ? null : svc.servers().get(k.server());
            if (rs == null || rs.activeConns() > 0) continue;
            TreeMap<Ipv4Address, RealServerState> servers = new TreeMap<>(svc.servers());
            servers.put(k.server(), new RealServerState(rs.weight(), rs.directRouting(), 1, rs.inactiveConns()));
            services.put(k.mark(), svc.withServers(servers));
        }
        return applied.withServices(services);
    }

    private static KernelState ipvsOnly(SortedMap<Fwmark, IpvsService> services) {
        return new KernelState(null, false, false, List.of(), 0, services);
    }
}
