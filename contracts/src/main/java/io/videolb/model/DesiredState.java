package io.videolb.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole desired configuration of the cluster: parameters, client steering, pools and backups (the four CSV
 * files), and the servers in maintenance (not in any CSV file: set through the API/CLI, kept by imports).
 * Immutable and ordered (so renderings and digests are deterministic). Whether it obeys the
 * cross-entity rules is checked by {@link DesiredStateRules}, not by the constructor, so that
 * every error can be reported at once.
 */
public record DesiredState(
        ClusterParams params,
        SortedMap<Ipv4Network, Fwmark> clients,
        SortedMap<Fwmark, Pool> pools,
        SortedMap<Ipv4Address, Ipv4Address> backups,
        SortedMap<Ipv4Address, Maintenance> maintenance) {

    /** A state with no server in maintenance (what CSV files describe). */
    public DesiredState(
            ClusterParams params,
            SortedMap<Ipv4Network, Fwmark> clients,
            SortedMap<Fwmark, Pool> pools,
            SortedMap<Ipv4Address, Ipv4Address> backups) {
        this(params, clients, pools, backups, new TreeMap<>());
    }

    public DesiredState {
        Objects.requireNonNull(params, "params");
        clients = Collections.unmodifiableSortedMap(new TreeMap<>(clients));
        pools = Collections.unmodifiableSortedMap(new TreeMap<>(pools));
        backups = Collections.unmodifiableSortedMap(new TreeMap<>(backups));
        maintenance = Collections.unmodifiableSortedMap(new TreeMap<>(maintenance == null ? Map.of() : maintenance));
        for (Map.Entry<Ipv4Address, Maintenance> e : maintenance.entrySet()) {
            if (!e.getKey().equals(e.getValue().server())) {
                throw new IllegalArgumentException("maintenance keyed " + e.getKey() + " names "
                        + e.getValue().server());
            }
        }
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
        return new DesiredState(p, clients, pools, backups, maintenance);
    }

    public DesiredState withClient(Ipv4Network client, Fwmark mark) {
        TreeMap<Ipv4Network, Fwmark> c = new TreeMap<>(clients);
        if (mark == null) c.remove(client);
        else c.put(client, mark);
        return new DesiredState(params, c, pools, backups, maintenance);
    }

    public DesiredState withPool(Fwmark mark, Pool pool) {
        TreeMap<Fwmark, Pool> p = new TreeMap<>(pools);
        if (pool == null) p.remove(mark);
        else p.put(mark, pool);
        return new DesiredState(params, clients, p, backups, maintenance);
    }

    public DesiredState withBackup(Ipv4Address server, Ipv4Address backup) {
        TreeMap<Ipv4Address, Ipv4Address> b = new TreeMap<>(backups);
        if (backup == null) b.remove(server);
        else b.put(server, backup);
        return new DesiredState(params, clients, pools, b, maintenance);
    }

    /** {@code server} put into maintenance ({@code m} non-null) or taken out of it (null). */
    public DesiredState withMaintenance(Ipv4Address server, Maintenance m) {
        TreeMap<Ipv4Address, Maintenance> t = new TreeMap<>(maintenance);
        if (m == null) t.remove(server);
        else t.put(server, m);
        return new DesiredState(params, clients, pools, backups, t);
    }

    /** The part the four CSV files describe: this state with no server in maintenance. */
    public DesiredState csvPart() {
        return maintenance.isEmpty() ? this : new DesiredState(params, clients, pools, backups);
    }

    /**
     * This state (from CSV files, or a rollback) with the maintenance of {@code previous} carried over for every
     * server it still configures (in a pool or as a backup): an import never ends a maintenance.
     */
    public DesiredState keepingMaintenanceOf(DesiredState previous) {
        if (previous == null || previous.maintenance.isEmpty()) return this;
        TreeMap<Ipv4Address, Maintenance> t = new TreeMap<>(maintenance);
        previous.maintenance.forEach((a, m) -> {
            if (configures(a)) t.putIfAbsent(a, m);
        });
        return new DesiredState(params, clients, pools, backups, t);
    }

    /** Whether {@code server} is a real server of some pool or some server's backup. */
    public boolean configures(Ipv4Address server) {
        return backups.containsValue(server) || pools.values().stream().anyMatch(p -> p.hasServer(server));
    }

    /**
     * This state with what only made sense for servers no pool uses any more removed: their backup rows and
     * their maintenance. So removing a server that has a backup row (or a whole pool) is one change.
     */
    public DesiredState withoutOrphans() {
        TreeMap<Ipv4Address, Ipv4Address> b = new TreeMap<>(backups);
        b.keySet().removeIf(a -> pools.values().stream().noneMatch(p -> p.hasServer(a)));
        DesiredState s = new DesiredState(params, clients, pools, b, maintenance);
        TreeMap<Ipv4Address, Maintenance> m = new TreeMap<>(maintenance);
        m.keySet().removeIf(a -> !s.configures(a));
        return m.size() == maintenance.size() && b.size() == backups.size()
                ? this
                : new DesiredState(params, clients, pools, b, m);
    }
}
