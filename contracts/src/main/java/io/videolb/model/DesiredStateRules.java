package io.videolb.model;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cross-entity rules every desired state must obey before it is published, whether it comes
 * from CSV files or from the admin API (one set of rules, not two):
 * <ul>
 *   <li>every mark used by a client or as the default has a pool;</li>
 *   <li>a pool has at least one server, no server twice, and no server is the VIP;</li>
 *   <li>a backup differs from its server, is not the VIP, backs a server that some pool uses, and
 *       backups form no cycle;</li>
 *   <li>a server in maintenance is a real server of some pool or some server's backup.</li>
 * </ul>
 */
public final class DesiredStateRules {
    private DesiredStateRules() {}

    public static List<Problem> check(DesiredState s, Origins at) {
        List<Problem> problems = new ArrayList<>();
        Ipv4Address vip = s.params().vip();
        if (!s.pools().containsKey(s.params().defaultMark())) {
            problems.add(Problem.at(
                    at.param("fwdefault"),
                    "fwdefault",
                    "default mark " + s.params().defaultMark() + " has no pool in fwmark-routing-list.csv"));
        }
        for (Map.Entry<Ipv4Network, Fwmark> c : s.clients().entrySet()) {
            if (!s.pools().containsKey(c.getValue())) {
                problems.add(Problem.at(
                        at.client(c.getKey()),
                        "fwmark",
                        "mark " + c.getValue() + " of client " + c.getKey()
                                + " has no pool in fwmark-routing-list.csv"));
            }
        }
        Set<Ipv4Address> realServers = new HashSet<>();
        for (Pool p : s.pools().values()) {
            if (p.servers().isEmpty()) {
                problems.add(Problem.at(at.pool(p.mark()), "server", "pool " + p.mark() + " has no real server"));
            }
            Set<Ipv4Address> seen = new HashSet<>();
            for (RealServer rs : p.servers()) {
                if (!seen.add(rs.address())) {
                    problems.add(Problem.at(
                            at.pool(p.mark()),
                            "server",
                            "server " + rs.address() + " is listed twice in pool " + p.mark()));
                }
                if (rs.address().equals(vip)) {
                    problems.add(
                            Problem.at(at.pool(p.mark()), "server", "server " + rs.address() + " is the VIP (lvsIP)"));
                }
                realServers.add(rs.address());
            }
        }
        for (Map.Entry<Ipv4Address, Ipv4Address> b : s.backups().entrySet()) {
            Origin o = at.backup(b.getKey());
            if (b.getKey().equals(b.getValue())) {
                problems.add(Problem.at(o, "backup", "server " + b.getKey() + " cannot be its own backup"));
            }
            if (b.getValue().equals(vip)) {
                problems.add(Problem.at(o, "backup", "backup " + b.getValue() + " is the VIP (lvsIP)"));
            }
            if (b.getKey().equals(vip)) {
                problems.add(Problem.at(o, "RIP", "server " + b.getKey() + " is the VIP (lvsIP)"));
            }
            if (!realServers.contains(b.getKey())) {
                problems.add(
                        Problem.at(o, "RIP", "server " + b.getKey() + " is in no pool of fwmark-routing-list.csv"));
            }
        }
        problems.addAll(cycles(s.backups(), at));
        for (Ipv4Address m : s.maintenance().keySet()) {
            if (!s.configures(m)) {
                problems.add(Problem.at(
                        at.param("maintenance"),
                        "server",
                        "server " + m + " is in maintenance but is in no pool and backs no server"));
            }
        }
        return problems;
    }

    private static List<Problem> cycles(Map<Ipv4Address, Ipv4Address> backups, Origins at) {
        List<Problem> problems = new ArrayList<>();
        Set<Ipv4Address> reported = new HashSet<>();
        for (Ipv4Address start : backups.keySet()) {
            LinkedHashSet<Ipv4Address> path = new LinkedHashSet<>();
            Ipv4Address cur = start;
            while (cur != null && path.add(cur)) {
                cur = backups.get(cur);
            }
            // cur != null: the walk came back to a server already on the path; a self-loop is reported above
            if (cur != null && !cur.equals(backups.get(cur)) && cur.equals(start) && reported.add(start)) {
                List<Ipv4Address> cycle = new ArrayList<>(path);
                if (cycle.stream().anyMatch(a -> reported.contains(a) && !a.equals(start))) continue;
                reported.addAll(cycle);
                StringBuilder sb = new StringBuilder();
                for (Ipv4Address a : cycle) sb.append(a).append(" -> ");
                sb.append(start);
                problems.add(Problem.at(at.backup(start), "backup", "backups form a cycle: " + sb));
            }
        }
        return problems;
    }
}
