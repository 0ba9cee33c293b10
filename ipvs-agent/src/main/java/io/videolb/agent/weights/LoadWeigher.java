package io.videolb.agent.weights;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.weights.LoadWeightSettings.PoolLoad;
import io.videolb.events.AgentStatus;
import io.videolb.events.AgentStatus.PoolStatus;
import io.videolb.events.ServerStreams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Load-fed weights (issue 16, decision 100): after {@link DesiredKernel#compute} has chosen who is in rotation and
 * with which configured weight, the servers in rotation of an opted-in pool get {@link LoadWeightRule#target} of
 * their newest stream inventory, unless the change is within the hysteresis or comes sooner than the least interval
 * after the previous change of that server (then the current weight stays, and {@link #pending()} says a held change
 * waits for time alone). A server at weight 0 (draining, or configured 0) is left alone: only drains set 0. An
 * unknown inventory (none, unreadable page, or older than the health staleness bound) keeps the current weight.
 *
 * <p>The current weight is the one this weigher last chose, else the kernel's (an agent restarted keeps what runs),
 * else the full weight. Pure domain code: no Kafka, no process. Not thread-safe but for {@link #wouldChange}, which
 * the health reader's thread calls to decide whether a new inventory is worth a run.
 */
public final class LoadWeigher {
    private record Key(Fwmark mark, Ipv4Address server) {}

    private record Held(int weight, long changedAtMs) {}

    /** What the reader thread needs to judge a new inventory: per opted-in pool of the server. */
    private record Probe(
            LoadWeightSettings.Basis basis, int full, long capacity, int weight, boolean waiting, long notBeforeMs) {}

    private final LoadWeightSettings settings;
    private final long staleAfterMs;
    private Map<Key, Held> held = new HashMap<>();
    private boolean pending;
    private long changes;
    private volatile Map<Ipv4Address, List<Probe>> probes = Map.of();

    /** @param staleAfterMs an inventory older than this is unknown (the health staleness bound) */
    public LoadWeigher(LoadWeightSettings settings, long staleAfterMs) {
        this.settings = settings;
        if (staleAfterMs <= 0) throw new IllegalArgumentException("staleAfterMs must be positive");
        this.staleAfterMs = staleAfterMs;
    }

    public LoadWeightSettings settings() {
        return settings;
    }

    /** A change is held back by the least interval only: time alone will let it through (the loop polls meanwhile). */
    public boolean pending() {
        return pending;
    }

    /** Weight changes chosen since the start (the metric {@code videolb_agent_load_weight_changes_total}). */
    public long changes() {
        return changes;
    }

    /**
     * {@code dk} with the load-fed weights of the opted-in pools in its kernel state and pool statuses; {@code dk}
     * itself when no pool is opted in.
     *
     * @param observed    the kernel as read this run (its weights are the current ones of servers not yet weighed)
     * @param inventories the newest inventory per server (from the health topic)
     */
    public DesiredKernel apply(
            DesiredKernel dk,
            DesiredState desired,
            KernelState observed,
            Map<Ipv4Address, ServerStreams> inventories,
            long nowMs) {
        Weighed w = weigh(dk, desired, observed, inventories, nowMs);
        commit(w);
        return w.kernel();
    }

    /**
     * What {@link #apply} computes, without changing this weigher: the weighed kernel and the memory (hysteresis,
     * least interval, pending, changes) it leaves once {@link #commit committed}. The fast path weighs first and
     * commits only the edits it applied, so a decision it leaves to the full run, or an edit the kernel refuses,
     * changes no memory; {@link #apply} is weigh + commit, so both paths choose the same weights from the same
     * inputs.
     */
    public Weighed weigh(
            DesiredKernel dk,
            DesiredState desired,
            KernelState observed,
            Map<Ipv4Address, ServerStreams> inventories,
            long nowMs) {
        if (!settings.on()) return new Weighed(this, held, dk, Map.of(), false, 0, Map.of());
        boolean anyWaiting = false;
        long chosen = 0;
        Map<Key, Held> nextHeld = new HashMap<>();
        Map<Ipv4Address, List<Probe>> nextProbes = new HashMap<>();
        TreeMap<Fwmark, IpvsService> services = new TreeMap<>(dk.state().services());
        List<PoolStatus> pools = new ArrayList<>();
        for (PoolStatus ps : dk.pools()) {
            Fwmark mark = new Fwmark(ps.mark());
            PoolLoad pl = settings.pool(mark);
            Pool pool = desired.pools().get(mark);
            IpvsService svc = services.get(mark);
            if (pl == null || pool == null || svc == null) {
                pools.add(ps);
                continue;
            }
            long maxBase =
                    pool.servers().stream().mapToLong(RealServer::weight).max().orElse(1);
            int factor = LoadWeightRule.factor(Math.max(1, maxBase));
            IpvsService now = observed.services().get(mark);
            TreeMap<Ipv4Address, RealServerState> servers = new TreeMap<>(svc.servers());
            List<AgentStatus.LoadWeight> rows = new ArrayList<>();
            Map<Ipv4Address, Integer> weightOf = new HashMap<>();
            for (Map.Entry<Ipv4Address, RealServerState> e : svc.servers().entrySet()) {
                int base = e.getValue().weight();
                if (base <= 0) continue; // draining or configured 0: never touched
                Ipv4Address a = e.getKey();
                Key key = new Key(mark, a);
                int full = LoadWeightRule.full(base, factor);
                long capacity = pl.capacityOf(a);
                Held h = held.get(key);
                Integer current = h != null ? Integer.valueOf(h.weight()) : kernelWeight(now, a);
                ServerStreams inv = inventories.get(a);
                String unknown = unknownWhy(inv, nowMs);
                long load = unknown == null ? load(pl.basis(), inv) : -1;
                int weight;
                int target;
                String note;
                long changedAt = h != null ? h.changedAtMs() : Long.MIN_VALUE;
                if (unknown != null) {
                    weight = current != null ? current : full;
                    target = weight;
                    note = "kept: inventory unknown (" + unknown + ")";
                } else {
                    target = LoadWeightRule.target(full, load, capacity);
                    if (current == null) {
                        weight = target; // a first weight is no change: the least interval starts at the first change
                        note = "set";
                    } else if (!LoadWeightRule.beyondHysteresis(current, target, settings.hysteresisPercent())) {
                        weight = current;
                        note = current == target
                                ? "set"
                                : "held: within " + settings.hysteresisPercent() + " % of " + current;
                    } else if (h != null
                            && h.changedAtMs() != Long.MIN_VALUE // never changed: nowMs - MIN_VALUE would overflow
                            && nowMs - h.changedAtMs() < settings.minIntervalMs()) {
                        weight = current;
                        anyWaiting = true;
                        note = "held: next change in " + (h.changedAtMs() + settings.minIntervalMs() - nowMs) + " ms";
                    } else {
                        weight = target;
                        changedAt = nowMs;
                        note = "changed from " + current;
                        chosen++;
                    }
                }
                weight = Math.max(LoadWeightRule.MIN, Math.min(LoadWeightRule.MAX, weight));
                servers.put(a, RealServerState.dr(weight));
                weightOf.put(a, weight);
                nextHeld.put(key, new Held(weight, changedAt));
                long notBefore = changedAt == Long.MIN_VALUE ? Long.MIN_VALUE : changedAt + settings.minIntervalMs();
                boolean waiting = note.startsWith("held: next change");
                nextProbes
                        .computeIfAbsent(a, x -> new ArrayList<>())
                        .add(new Probe(pl.basis(), full, capacity, weight, waiting, notBefore));
                rows.add(new AgentStatus.LoadWeight(
                        a.toString(), pl.basis().label(), load, capacity, weight, target, note));
            }
            services.put(mark, svc.withServers(servers));
            List<String> inService = new ArrayList<>();
            for (String s : ps.inService()) {
                int colon = s.lastIndexOf(':');
                Integer w = colon < 0 ? null : weightOf.get(parseOrNull(s.substring(0, colon)));
                inService.add(w == null ? s : s.substring(0, colon) + ":" + w);
            }
            pools.add(new PoolStatus(
                    ps.mark(),
                    inService,
                    ps.substitutions(),
                    ps.panic(),
                    ps.down(),
                    ps.connections(),
                    ps.refusedBackups(),
                    rows));
        }
        Map<Ipv4Address, List<Probe>> frozen = new HashMap<>();
        nextProbes.forEach((a, l) -> frozen.put(a, List.copyOf(l)));
        return new Weighed(
                this,
                held,
                new DesiredKernel(
                        dk.state().withServices(services), dk.drains(), dk.substitutions(), pools, dk.drainStatus()),
                Map.copyOf(nextHeld),
                anyWaiting,
                chosen,
                Map.copyOf(frozen));
    }

    /**
     * Makes {@code w}'s memory this weigher's: the weights it chose become the current ones, their change times start
     * the least interval. Only for a result of {@link #weigh} on this weigher, with no commit since it.
     */
    public void commit(Weighed w) {
        if (w.owner != this) throw new IllegalArgumentException("weighed by another weigher");
        if (w.base != held) throw new IllegalStateException("weighed against a memory committed over since");
        held = new HashMap<>(w.held);
        pending = w.pending;
        changes += w.changes;
        probes = w.probes;
    }

    /**
     * The result of {@link #weigh}: the weighed desired kernel and the memory {@link #commit} would keep.
     *
     * @see #commit(Weighed)
     */
    public static final class Weighed {
        private final LoadWeigher owner;
        /** The memory it was weighed against: a commit over a newer one would lose that one's changes. */
        private final Map<Key, Held> base;

        private final DesiredKernel kernel;
        private final Map<Key, Held> held;
        private final boolean pending;
        private final long changes;
        private final Map<Ipv4Address, List<Probe>> probes;

        private Weighed(
                LoadWeigher owner,
                Map<Key, Held> base,
                DesiredKernel kernel,
                Map<Key, Held> held,
                boolean pending,
                long changes,
                Map<Ipv4Address, List<Probe>> probes) {
            this.owner = owner;
            this.base = base;
            this.kernel = kernel;
            this.held = held;
            this.pending = pending;
            this.changes = changes;
            this.probes = probes;
        }

        /** The desired kernel with the load-fed weights (the input itself when no pool is opted in). */
        public DesiredKernel kernel() {
            return kernel;
        }

        /** Weight changes this result chose (past the hysteresis and the least interval). */
        public long changes() {
            return changes;
        }
    }

    /**
     * Whether {@code inv} would move a weight of its server past the hysteresis now (any thread): the agent asks for
     * a run only then, not at every inventory record. A change the last run already held back for the least interval is
     * left to the loop's poll ({@link #pending()}).
     */
    public boolean wouldChange(ServerStreams inv, long nowMs) {
        if (inv == null || unknownWhy(inv, nowMs) != null) return false;
        for (Probe p : probes.getOrDefault(inv.server(), List.of())) {
            if (p.waiting() && nowMs < p.notBeforeMs()) continue;
            int t = LoadWeightRule.target(p.full(), load(p.basis(), inv), p.capacity());
            if (LoadWeightRule.beyondHysteresis(p.weight(), t, settings.hysteresisPercent())) return true;
        }
        return false;
    }

    /** Whether {@code server} takes load-fed weights in some pool (as of the last run). */
    public boolean weighs(Ipv4Address server) {
        return probes.containsKey(server);
    }

    /** The server's load on {@code basis}: its viewers summed (saturating), or its outbound bit/s. */
    static long load(LoadWeightSettings.Basis basis, ServerStreams inv) {
        if (basis == LoadWeightSettings.Basis.BANDWIDTH) return inv.bwOutBitsPerSecond();
        long sum = 0;
        for (ServerStreams.Stream s : inv.streams()) sum = LoadWeightRule.saturatedAdd(sum, s.viewers());
        return sum;
    }

    /** Why the inventory cannot be used (null: it can). */
    private String unknownWhy(ServerStreams inv, long nowMs) {
        if (inv == null) return "none published";
        if (!inv.known()) return inv.reason();
        long age = nowMs - inv.observedAtMs();
        if (age > staleAfterMs) return "observed " + age + " ms ago, bound " + staleAfterMs + " ms";
        return null;
    }

    private static Integer kernelWeight(IpvsService now, Ipv4Address a) {
        if (now == null) return null;
        RealServerState st = now.servers().get(a);
        if (st == null || st.weight() <= 0) return null; // absent or draining: nothing to keep
        return Math.max(LoadWeightRule.MIN, Math.min(LoadWeightRule.MAX, st.weight()));
    }

    private static Ipv4Address parseOrNull(String s) {
        try {
            return Ipv4Address.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
