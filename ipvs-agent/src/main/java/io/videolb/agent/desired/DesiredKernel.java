package io.videolb.agent.desired;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.events.AgentStatus;
import io.videolb.events.AgentStatus.DrainStatus;
import io.videolb.events.AgentStatus.PoolStatus;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Maintenance;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The kernel state the director should have, computed purely from the desired configuration,
 * the health view, the drains in progress and what the kernel holds now (for the connection
 * counters of draining servers and for failback hold-down).
 *
 * <pre>
 *   configured server ──down──▶ removed at once, its backup (if not down; else down the backup chain A->B->C to the
 *                               first one not down) added with its weight
 *        ▲                                  │
 *        └── up for holdDown ◀── backup drained: weight 0 until 0 connections or deadline
 * </pre>
 * A server in maintenance (desired state, {@code maintenance/IP}) is out of rotation like a down one (its backup, if
 * usable, carries its weight) but leaves gracefully: weight 0 until no active connection or the record's absolute
 * deadline, then deleted. The deadline comes from desired state, never from memory, so an agent restarted in the
 * middle keeps it. A pool removed from desired state is drained the same way (weight 0 for all its servers, deleted
 * when idle or at {@link Policy#drainTimeoutMs()}) instead of dropping its viewers' connections.
 * More than {@link Policy#panicShare()} of a pool down at once with no usable backup to replace them
 * (servers and backups failing together point at the checker, not the servers): keep every server
 * (fail open, "panic").
 */
public record DesiredKernel(
        KernelState state,
        Map<Drain.Key, Drain> drains,
        List<Substitution> substitutions,
        List<PoolStatus> pools,
        List<DrainStatus> drainStatus) {

    public static final int MIN_MAXELEM = 65536;

    public DesiredKernel {
        drains = Map.copyOf(drains);
        substitutions = List.copyOf(substitutions);
        pools = List.copyOf(pools);
        drainStatus = List.copyOf(drainStatus);
    }

    /** True while a recovered server waits out its failback hold-down (its end is a moment no event marks). */
    public boolean holdDownPending() {
        return substitutions.stream().anyMatch(Substitution::holdDown);
    }

    /** As below, draining no removed pool (no fwmark service is known to be videolb's). */
    public static DesiredKernel compute(
            DesiredState desired,
            HealthView health,
            KernelState observed,
            Map<Drain.Key, Drain> drains,
            long nowMs,
            Policy policy,
            Names names) {
        return compute(desired, health, observed, drains, nowMs, policy, names, Set.of());
    }

    /**
     * @param owned the fwmark services videolb created: one of them whose pool is no longer desired is drained (a
     *              foreign service is never touched)
     */
    public static DesiredKernel compute(
            DesiredState desired,
            HealthView health,
            KernelState observed,
            Map<Drain.Key, Drain> drains,
            long nowMs,
            Policy policy,
            Names names,
            Set<Fwmark> owned) {
        TreeMap<Ipv4Network, Fwmark> members = new TreeMap<>(desired.clients());
        members.putIfAbsent(desired.params().clientNetwork(), desired.params().defaultMark());
        KernelState.SetState set = new KernelState.SetState(maxelemFor(members.size()), members, 0);
        String rule = steeringRule(desired.params().vip(), names);

        TreeMap<Fwmark, IpvsService> services = new TreeMap<>();
        Map<Drain.Key, Drain> nextDrains = new HashMap<>();
        List<Substitution> substitutions = new ArrayList<>();
        List<PoolStatus> pools = new ArrayList<>();
        List<DrainStatus> drainStatus = new ArrayList<>();
        for (Pool pool : desired.pools().values()) {
            IpvsService current = observed.services().get(pool.mark());
            TreeMap<Ipv4Address, RealServerState> active = new TreeMap<>();
            List<Substitution> subs = new ArrayList<>();
            List<String> down = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            // Panic counts only the down servers nothing can replace: a down server whose backup the
            // checker sees up is a normal failover (a single-server pool must fail over too), while
            // servers AND their backups looking down at once point at the checker: keep them all.
            long unreplaceable = pool.servers().stream()
                    .filter(s -> health.down(s.address())
                            && !inMaintenance(desired, s.address())
                            && !usableBackup(desired, health, s.address()))
                    .count();
            boolean panic = unreplaceable > 0
                    && unreplaceable > policy.panicShare() * pool.servers().size();
            for (RealServer s : pool.servers()) {
                Ipv4Address a = s.address();
                if (health.down(a)) down.add(a.toString());
                if (inMaintenance(desired, a)) {
                    // out of rotation (drained below); its usable backup carries its weight meanwhile
                    Ipv4Address b = backupFor(desired, health, a, refused);
                    if (b != null) {
                        putMax(active, b, s.weight());
                        subs.add(new Substitution(pool.mark(), a, b, Substitution.Cause.MAINTENANCE));
                    }
                    continue;
                }
                if (panic) {
                    if (health.down(a)) backupFor(desired, health, a, refused); // why none stands in, reported
                    putMax(active, a, s.weight());
                    continue;
                }
                // the gate's notes are reported only for a server that needs its backup now (down)
                Ipv4Address b =
                        health.down(a) ? backupFor(desired, health, a, refused) : usableBackupOf(desired, health, a);
                boolean backupUsable = b != null;
                if (!health.down(a)) {
                    // the stand-in may be further down the chain than the first usable backup now is (A->B->C: C
                    // stood in while B was down too): the hold-down keeps whichever serves now
                    Ipv4Address standIn = current == null
                            ? null
                            : backupChain(desired, a).stream()
                                    .filter(x -> !health.down(x)
                                            && !inMaintenance(desired, x)
                                            && current.servers().containsKey(x))
                                    .findFirst()
                                    .orElse(null);
                    if (standIn != null) b = standIn;
                    boolean holdDown = health.recovering(a, nowMs, policy.holdDownMs())
                            && standIn != null
                            && !current.servers().containsKey(a);
                    if (holdDown) {
                        putMax(active, b, s.weight());
                        subs.add(new Substitution(pool.mark(), a, b, Substitution.Cause.FAILBACK_HOLD_DOWN));
                    } else {
                        putMax(active, a, s.weight());
                    }
                } else if (backupUsable) {
                    putMax(active, b, s.weight());
                    subs.add(new Substitution(pool.mark(), a, b, Substitution.Cause.SERVER_DOWN));
                }
            }
            TreeMap<Ipv4Address, RealServerState> wanted = new TreeMap<>(active);
            if (current != null) {
                for (Map.Entry<Ipv4Address, RealServerState> e :
                        current.servers().entrySet()) {
                    Ipv4Address a = e.getKey();
                    if (active.containsKey(a) || health.down(a)) continue; // kept, or dead: removed at once
                    Drain.Key key = new Drain.Key(pool.mark(), a);
                    Maintenance m = desired.maintenance().get(a);
                    Drain d = m != null
                            ? new Drain(pool.mark(), a, "maintenance", m.startedAtMs(), m.deadlineAtMs())
                            : drains.get(key);
                    if (d == null) {
                        String reason = pool.hasServer(a)
                                ? "hold-down"
                                : desired.backups().containsValue(a) ? "failback" : "removed from configuration";
                        d = new Drain(pool.mark(), a, reason, nowMs, nowMs + policy.drainTimeoutMs());
                    }
                    // done (idle or past the deadline): not wanted, the planner deletes it
                    if (stillDraining(d, e.getValue(), nowMs, drainStatus, nextDrains))
                        wanted.put(a, RealServerState.dr(0));
                }
            }
            List<String> inService = new ArrayList<>();
            active.forEach((a, st) -> inService.add(a + ":" + st.weight()));
            substitutions.addAll(subs);
            pools.add(new PoolStatus(
                    pool.mark().value(),
                    inService,
                    subs.stream().map(Substitution::describe).toList(),
                    panic,
                    down,
                    connections(current),
                    refused,
                    List.of()));
            services.put(
                    pool.mark(),
                    new IpvsService(
                            pool.mark(), pool.scheduler(), desired.params().persistenceSeconds(), false, wanted));
        }
        // pools no longer desired: every server at weight 0 until idle or the drain timeout, then the service goes
        for (IpvsService current : observed.services().values()) {
            if (desired.pools().containsKey(current.mark()) || !owned.contains(current.mark())) continue;
            TreeMap<Ipv4Address, RealServerState> wanted = new TreeMap<>();
            for (Map.Entry<Ipv4Address, RealServerState> e : current.servers().entrySet()) {
                Ipv4Address a = e.getKey();
                if (health.down(a)) continue; // dead: removed at once, as in a desired pool
                Drain.Key key = new Drain.Key(current.mark(), a);
                Drain d = drains.get(key);
                if (d == null) d = new Drain(current.mark(), a, "pool removed", nowMs, nowMs + policy.drainTimeoutMs());
                if (stillDraining(d, e.getValue(), nowMs, drainStatus, nextDrains))
                    wanted.put(a, RealServerState.dr(0));
            }
            if (!wanted.isEmpty())
                services.put(
                        current.mark(),
                        new IpvsService(
                                current.mark(),
                                current.scheduler(),
                                current.persistenceSeconds(),
                                current.extraFlags(),
                                wanted));
        }
        KernelState state = new KernelState(set, false, true, List.of(rule), 1, services);
        return new DesiredKernel(state, nextDrains, substitutions, pools, drainStatus);
    }

    /** What the kernel counted per real server of {@code observed} this run (none: the service is not there). */
    private static List<AgentStatus.ServerConnections> connections(IpvsService observed) {
        if (observed == null) return List.of();
        List<AgentStatus.ServerConnections> out = new ArrayList<>();
        observed.servers()
                .forEach((a, st) -> out.add(new AgentStatus.ServerConnections(
                        a.toString(), st.weight(), st.activeConns(), st.inactiveConns())));
        return out;
    }

    private static boolean usableBackup(DesiredState desired, HealthView health, Ipv4Address server) {
        return usableBackupOf(desired, health, server) != null;
    }

    /**
     * The backup that stands in for {@code server}: backup chains are followed (A->B, B->C: C stands in for A while
     * A and B are both down), the first one not down, not in maintenance and carrying the streams {@code server} was
     * carrying ({@link StreamGate}; inventory off: no check) wins; null when none is usable.
     */
    static Ipv4Address usableBackupOf(DesiredState desired, HealthView health, Ipv4Address server) {
        return backupFor(desired, health, server, new ArrayList<>());
    }

    /** As {@link #usableBackupOf}, adding to {@code notes} why a backup was passed over ("SERVER: backup B lacks stream S"). */
    static Ipv4Address backupFor(DesiredState desired, HealthView health, Ipv4Address server, List<String> notes) {
        for (Ipv4Address b : backupChain(desired, server)) {
            if (health.down(b) || inMaintenance(desired, b)) continue;
            StreamGate.Result g = StreamGate.check(server, b, health.streams());
            String line = g.describe(b);
            if (!line.isEmpty()) notes.add(server + ": " + line);
            if (g.accepted()) return b;
        }
        return null;
    }

    private static boolean inMaintenance(DesiredState desired, Ipv4Address server) {
        return desired.maintenance().containsKey(server);
    }

    /**
     * {@code server}'s backup, that one's backup, and so on, in order. The configuration is validated cycle-free
     * (config-service refuses a cycle); the agent checks again: the walk stops at an address it has seen (a cycle
     * never loops or brings a server in as its own backup) and after as many steps as there are backups.
     */
    public static List<Ipv4Address> backupChain(DesiredState desired, Ipv4Address server) {
        List<Ipv4Address> chain = new ArrayList<>();
        Set<Ipv4Address> seen = new HashSet<>();
        seen.add(server);
        Ipv4Address b = desired.backups().get(server);
        while (b != null && seen.add(b) && chain.size() < desired.backups().size()) {
            chain.add(b);
            b = desired.backups().get(b);
        }
        return chain;
    }

    private static void putMax(Map<Ipv4Address, RealServerState> m, Ipv4Address a, int weight) {
        RealServerState prev = m.get(a);
        if (prev == null || prev.weight() < weight) m.put(a, RealServerState.dr(weight));
    }

    /** The one steering rule of our chain, in the exact form iptables-save prints it. */
    public static String steeringRule(Ipv4Address vip, Names names) {
        return "-d " + vip + "/32 -p tcp -m multiport --dports " + names.portList() + " -m set --match-set "
                + names.set() + " src -j SET --map-set " + names.set() + " src --map-mark";
    }

    /** ipset's default maxelem is 65536; leave room to double. */
    public static int maxelemFor(int members) {
        long want = Math.max(MIN_MAXELEM, Long.highestOneBit(Math.max(1, (long) members) * 2 - 1) * 2);
        return (int) Math.min(want, 1 << 30);
    }

    /**
     * One step of a drain: its status line, and whether the server stays at weight 0 (kept in {@code nextDrains}).
     * Idle = no ESTABLISHED connection. In DR the director sees only the client half of each connection: a closed
     * one lingers in InActConn (FIN_WAIT/TIME_WAIT) for up to 2 min, so waiting for InActConn == 0 would end most
     * drains at the deadline. Those entries are closed connections; with expire_nodest_conn=1 a late packet of one is
     * dropped once the server is deleted. Weight 0 first: no new connection meanwhile.
     */
    private static boolean stillDraining(
            Drain d, RealServerState obs, long nowMs, List<DrainStatus> drainStatus, Map<Drain.Key, Drain> nextDrains) {
        boolean idle = obs.activeConns() == 0 && obs.weight() == 0;
        boolean past = nowMs >= d.deadlineAtMs();
        drainStatus.add(new DrainStatus(
                d.mark().value(),
                d.server().toString(),
                d.reason(),
                d.startedAtMs(),
                d.deadlineAtMs(),
                obs.activeConns(),
                obs.inactiveConns(),
                past));
        if (idle || past) return false;
        nextDrains.put(d.key(), d);
        return true;
    }
}
