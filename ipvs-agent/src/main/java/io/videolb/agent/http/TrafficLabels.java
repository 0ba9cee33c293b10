package io.videolb.agent.http;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.Drain;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Pool;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * videolb's labels on the kernel's traffic series of one real server in one pool, from the last reconcile run: which
 * marks are videolb's pools, each server's {@code role} there ({@code primary}: configured in that pool;
 * {@code backup}: a backup standing in or draining after a failback; {@code removed}: no longer configured, draining
 * out) and whether it is draining (weight 0 until its connections end or its deadline).
 */
public final class TrafficLabels {
    public static final TrafficLabels NONE = new TrafficLabels(null, Set.of(), Set.of());

    private final DesiredState state;
    private final Set<Fwmark> pools;
    private final Set<Drain.Key> draining;

    private TrafficLabels(DesiredState state, Set<Fwmark> pools, Set<Drain.Key> draining) {
        this.state = state;
        this.pools = pools;
        this.draining = draining;
    }

    /** From the desired state a run applied and what it computed (its drains); {@code computed} may be null (the run failed early). */
    public static TrafficLabels of(DesiredState state, DesiredKernel computed) {
        Collection<Drain.Key> drains =
                computed == null ? Set.of() : computed.drains().keySet();
        return new TrafficLabels(state, Set.copyOf(new TreeSet<>(state.pools().keySet())), Set.copyOf(drains));
    }

    /** The mark is one of videolb's pools (only those are exported). */
    public boolean isPool(Fwmark mark) {
        return pools.contains(mark);
    }

    public String role(Fwmark mark, Ipv4Address server) {
        Pool p = state == null ? null : state.pools().get(mark);
        if (p != null && p.hasServer(server)) return "primary";
        if (state != null && state.backups().containsValue(server)) return "backup";
        return "removed";
    }

    public boolean draining(Fwmark mark, Ipv4Address server) {
        return draining.contains(new Drain.Key(mark, server));
    }
}
