package io.videolb.agent.observed;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState.SetState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parsers of what the kernel tools print. They read only what videolb manages and never throw on
 * foreign content: a line they do not understand is skipped (or, inside our own objects, marks
 * the object as differing so that the planner rewrites it).
 */
public final class Parsers {
    private Parsers() {}

    /** {@code ipvsadm -Sn}: fwmark services and their real servers (other services are not ours and are skipped). */
    public static TreeMap<Fwmark, IpvsService> ipvsSave(String text) {
        TreeMap<Fwmark, IpvsService> out = new TreeMap<>();
        Map<Fwmark, TreeMap<Ipv4Address, RealServerState>> servers = new TreeMap<>();
        for (String line : text.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length < 3 || !t[1].equals("-f")) continue;
            Fwmark mark;
            try {
                mark = new Fwmark(Long.parseLong(t[2]));
            } catch (RuntimeException e) {
                continue;
            }
            if (t[0].equals("-A")) {
                Scheduler sched = null;
                int persistence = 0;
                boolean extra = false;
                for (int i = 3; i < t.length; i++) {
                    if (t[i].equals("-s") && i + 1 < t.length) {
                        try {
                            sched = Scheduler.parse(t[++i]);
                        } catch (RuntimeException e) {
                            sched = null;
                        }
                    } else if (t[i].equals("-p")) {
                        persistence = 300;
                        if (i + 1 < t.length && t[i + 1].matches("[0-9]{1,9}")) persistence = Integer.parseInt(t[++i]);
                    } else {
                        extra = true;
                    }
                }
                out.put(mark, new IpvsService(mark, sched, persistence, extra, new TreeMap<>()));
                servers.putIfAbsent(mark, new TreeMap<>());
            } else if (t[0].equals("-a") && t.length >= 5 && t[3].equals("-r")) {
                Ipv4Address rip;
                try {
                    rip = Ipv4Address.parse(stripPort(t[4]));
                } catch (RuntimeException e) {
                    continue;
                }
                int weight = 1;
                boolean dr = false;
                boolean other = false;
                for (int i = 5; i < t.length; i++) {
                    if (t[i].equals("-g")) dr = true;
                    else if (t[i].equals("-w") && i + 1 < t.length && t[i + 1].matches("[0-9]{1,10}"))
                        weight = (int) Math.min(Integer.MAX_VALUE, Long.parseLong(t[++i]));
                    else other = true;
                }
                servers.computeIfAbsent(mark, k -> new TreeMap<>())
                        .put(rip, new RealServerState(weight, dr && !other, 0, 0));
            }
        }
        TreeMap<Fwmark, IpvsService> result = new TreeMap<>();
        out.forEach((m, s) -> result.put(m, s.withServers(servers.getOrDefault(m, new TreeMap<>()))));
        return result;
    }

    /** {@code ipvsadm -Ln}: ActiveConn/InActConn per (fwmark, real server), folded into services read by {@link #ipvsSave}. */
    public static TreeMap<Fwmark, IpvsService> withCounters(TreeMap<Fwmark, IpvsService> services, String listText) {
        Map<Fwmark, Map<Ipv4Address, int[]>> counters = new TreeMap<>();
        Fwmark current = null;
        for (String line : listText.split("\n")) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 2 && t[0].equals("FWM")) {
                try {
                    current = new Fwmark(Long.parseLong(t[1]));
                } catch (RuntimeException e) {
                    current = null;
                }
            } else if (t.length >= 2 && (t[0].equals("TCP") || t[0].equals("UDP") || t[0].equals("SCTP"))) {
                current = null;
            } else if (current != null && t.length >= 6 && t[0].equals("->")) {
                try {
                    Ipv4Address a = Ipv4Address.parse(stripPort(t[1]));
                    counters.computeIfAbsent(current, k -> new TreeMap<>())
                            .put(a, new int[] {Integer.parseInt(t[4]), Integer.parseInt(t[5])});
                } catch (RuntimeException e) {
                    // header line "-> RemoteAddress:Port ..." or foreign text
                }
            }
        }
        TreeMap<Fwmark, IpvsService> out = new TreeMap<>();
        services.forEach((m, s) -> {
            TreeMap<Ipv4Address, RealServerState> rs = new TreeMap<>();
            s.servers().forEach((a, st) -> {
                int[] c = counters.getOrDefault(m, Map.of()).get(a);
                rs.put(a, c == null ? st : new RealServerState(st.weight(), st.directRouting(), c[0], c[1]));
            });
            out.put(m, s.withServers(rs));
        });
        return out;
    }

    private static String stripPort(String s) {
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    /** What {@code iptables-save -t mangle} says about our chain. */
    public record ChainView(boolean exists, List<String> rules, int jumps) {}

    public static ChainView iptablesSave(String text, String chain) {
        boolean exists = false;
        List<String> rules = new ArrayList<>();
        int jumps = 0;
        boolean inMangle = false;
        String jump = "-A PREROUTING -j " + chain;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("*")) inMangle = line.equals("*mangle");
            if (!inMangle) continue;
            if (line.startsWith(":" + chain + " ")) exists = true;
            else if (line.startsWith("-A " + chain + " ")) rules.add(line.substring(("-A " + chain + " ").length()));
            else if (line.equals(jump)) jumps++;
        }
        return new ChainView(exists, rules, jumps);
    }

    /** {@code ipset save SET}: the members and their skbmarks; members with anything else count as unreadable. */
    public static SetState ipsetSave(String text, String set) {
        int maxelem = 65536;
        TreeMap<Ipv4Network, Fwmark> members = new TreeMap<>();
        int unreadable = 0;
        boolean created = false;
        for (String raw : text.split("\n")) {
            String[] t = raw.trim().split("\\s+");
            if (t.length < 2 || !t[1].equals(set)) continue;
            if (t[0].equals("create")) {
                created = true;
                boolean ok = t.length > 2 && t[2].equals("hash:net");
                boolean skb = false;
                for (int i = 3; i < t.length; i++) {
                    if (t[i].equals("maxelem") && i + 1 < t.length && t[i + 1].matches("[0-9]{1,10}"))
                        maxelem = (int) Math.min(Integer.MAX_VALUE, Long.parseLong(t[++i]));
                    if (t[i].equals("skbinfo")) skb = true;
                }
                if (!ok || !skb) unreadable++;
            } else if (t[0].equals("add")) {
                try {
                    if (t.length != 5 || !t[3].equals("skbmark") || !t[4].matches("0x[0-9a-f]{1,8}"))
                        throw new IllegalArgumentException();
                    members.put(Ipv4Network.parse(t[2]), new Fwmark(Long.parseLong(t[4].substring(2), 16)));
                } catch (RuntimeException e) {
                    unreadable++;
                }
            }
        }
        return created ? new SetState(maxelem, members, unreadable) : null;
    }

    /** {@code ipset list -n}: set names. */
    public static List<String> ipsetNames(String text) {
        List<String> names = new ArrayList<>();
        for (String l : text.split("\n")) if (!l.isBlank()) names.add(l.strip());
        return names;
    }
}
