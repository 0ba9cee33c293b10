package io.videolb.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole desired configuration of the cluster: parameters, client steering, pools and backups.
 * Immutable and ordered (so renderings and digests are deterministic). Whether it obeys the
 * cross-entity rules is checked by {@link DesiredStateRules}, not by the constructor, so that
 * every error can be reported at once.
 */
public record DesiredState(
        ClusterParams params,
        SortedMap<Ipv4Network, Fwmark> clients,
        SortedMap<Fwmark, Pool> pools,
        SortedMap<Ipv4Address, Ipv4Address> backups) {

    public DesiredState {
        Objects.requireNonNull(params, "params");
        clients = Collections.unmodifiableSortedMap(new TreeMap<>(clients));
        pools = Collections.unmodifiableSortedMap(new TreeMap<>(pools));
        backups = Collections.unmodifiableSortedMap(new TreeMap<>(backups));
        for (Map.Entry<Fwmark, Pool> e : pools.entrySet()) {
            if (!e.getKey().equals(e.getValue().mark())) {
                throw new IllegalArgumentException(
                        "pool keyed " + e.getKey() + " has mark " + e.getValue().mark());
            }
        }
    }

    /** The mark a client address gets: longest matching client entry, else the default mark inside the clients' network, else none. */
    public java.util.Optional<Fwmark> markFor(Ipv4Address client) {
        for (int prefix = 32; prefix >= 1; prefix--) {
            int mask = Ipv4Network.mask(prefix);
            Ipv4Network net = new Ipv4Network(new Ipv4Address(client.bits() & mask), prefix);
            Fwmark m = clients.get(net);
            if (m != null) return java.util.Optional.of(m);
        }
        return params.clientNetwork().contains(client)
                ? java.util.Optional.of(params.defaultMark())
                : java.util.Optional.empty();
    }

    public DesiredState withParams(ClusterParams p) {
        return new DesiredState(p, clients, pools, backups);
    }

    public DesiredState withClient(Ipv4Network client, Fwmark mark) {
        TreeMap<Ipv4Network, Fwmark> c = new TreeMap<>(clients);
        if (mark == null) c.remove(client);
        else c.put(client, mark);
        return new DesiredState(params, c, pools, backups);
    }

    public DesiredState withPool(Fwmark mark, Pool pool) {
        TreeMap<Fwmark, Pool> p = new TreeMap<>(pools);
        if (pool == null) p.remove(mark);
        else p.put(mark, pool);
        return new DesiredState(params, clients, p, backups);
    }

    public DesiredState withBackup(Ipv4Address server, Ipv4Address backup) {
        TreeMap<Ipv4Address, Ipv4Address> b = new TreeMap<>(backups);
        if (backup == null) b.remove(server);
        else b.put(server, backup);
        return new DesiredState(params, clients, pools, b);
    }
}
