package io.videolb.agent;

import io.videolb.events.DesiredSnapshot;
import io.videolb.events.GenerationMarker;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.util.List;
import java.util.TreeMap;

/** A small cluster used across tests: two pools, one client with its own mark, two backups. */
public final class Fixtures {
    private Fixtures() {}

    public static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    public static DesiredState cluster() {
        ClusterParams params = new ClusterParams(
                ip("192.0.2.10"), Ipv4Network.parse("203.0.113.0/24"), List.of(), 300, new Fwmark(1), Scheduler.WLC);
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>();
        clients.put(Ipv4Network.parse("203.0.113.10"), new Fwmark(2));
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(
                new Fwmark(1),
                new Pool(
                        new Fwmark(1),
                        Scheduler.WLC,
                        List.of(new RealServer(ip("198.51.100.1"), 1), new RealServer(ip("198.51.100.2"), 1))));
        pools.put(new Fwmark(2), new Pool(new Fwmark(2), Scheduler.RR, List.of(new RealServer(ip("198.51.100.3"), 2))));
        TreeMap<Ipv4Address, Ipv4Address> backups = new TreeMap<>();
        backups.put(ip("198.51.100.1"), ip("198.51.100.11"));
        backups.put(ip("198.51.100.3"), ip("198.51.100.13"));
        return new DesiredState(params, clients, pools, backups);
    }

    public static DesiredSnapshot snapshot(long gen, DesiredState s) {
        return new DesiredSnapshot(gen, s, new GenerationMarker(gen, "x", 0, 0, "test", "test", 0));
    }
}
