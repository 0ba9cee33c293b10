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

    /**
     * {@code ipset save SET}: the members and their skbmarks; members with anything else count as unreadable. Read
     * without a regular expression per line: at 1,000,000 members the per-line {@code split("\\s+")} and
     * {@code matches} took 4.6-19 s of the agent's kernel read (docs/benchmarks-steering.md, issue 11).
     */
    public static SetState ipsetSave(String text, String set) {
        int maxelem = 65536;
        // collected, sorted, then put in order: ipset prints in hash order, and 1M random TreeMap inserts cost
        // about twice a sort plus in-order inserts (each insert walks ~20 nodes scattered in memory)
        List<Map.Entry<Ipv4Network, Fwmark>> read = new ArrayList<>();
        int unreadable = 0;
        boolean created = false;
        List<String> t = new ArrayList<>(8);
        int len = text.length();
        for (int start = 0; start < len; ) {
            int end = text.indexOf('\n', start);
            if (end < 0) end = len;
            tokens(text, start, end, t);
            start = end + 1;
            if (t.size() < 2 || !t.get(1).equals(set)) continue;
            if (t.get(0).equals("create")) {
                created = true;
                boolean ok = t.size() > 2 && t.get(2).equals("hash:net");
                boolean skb = false;
                for (int i = 3; i < t.size(); i++) {
                    if (t.get(i).equals("maxelem") && i + 1 < t.size() && digits(t.get(i + 1), 10))
                        maxelem = (int) Math.min(Integer.MAX_VALUE, Long.parseLong(t.get(++i)));
                    if (t.get(i).equals("skbinfo")) skb = true;
                }
                if (!ok || !skb) unreadable++;
            } else if (t.get(0).equals("add")) {
                try {
                    String mark = t.size() == 5 ? t.get(4) : "";
                    if (!t.get(3).equals("skbmark") || !mark.startsWith("0x") || !lowerHex(mark, 2, 8))
                        throw new IllegalArgumentException();
                    read.add(Map.entry(
                            Ipv4Network.parse(t.get(2)), new Fwmark(Long.parseLong(mark, 2, mark.length(), 16))));
                } catch (RuntimeException e) {
                    unreadable++;
                }
            }
        }
        if (!created) return null;
        read.sort(Map.Entry.comparingByKey()); // stable: of two lines for one member the later one wins, as before
        TreeMap<Ipv4Network, Fwmark> members = new TreeMap<>();
        for (Map.Entry<Ipv4Network, Fwmark> e : read) members.put(e.getKey(), e.getValue());
        return new SetState(maxelem, members, unreadable);
    }

    /** The whitespace-separated words of {@code text[from, to)} into {@code out} (as {@code trim().split("\\s+")}). */
    private static void tokens(String text, int from, int to, List<String> out) {
        words(text, from, to, Integer.MAX_VALUE, out);
    }

    /**
     * At most {@code max} leading whitespace-separated words of {@code text[from, to)} into {@code out} (cleared
     * first), as {@code trim().split("\\s+")} would give them: the one tokenizer for the big line-per-client texts
     * (this parser, the reboot file's merge), without a regular expression per line.
     */
    public static void words(String text, int from, int to, int max, List<String> out) {
        out.clear();
        int i = from;
        while (i < to && out.size() < max) {
            while (i < to && space(text.charAt(i))) i++;
            int w = i;
            while (i < to && !space(text.charAt(i))) i++;
            if (i > w) out.add(text.substring(w, i));
        }
    }

    /** The characters of the regex class {@code \\s}. */
    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /** 1..max decimal digits. */
    private static boolean digits(String s, int max) {
        if (s.isEmpty() || s.length() > max) return false;
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }

    /** {@code s} from {@code from} on is 1..max lower-case hex digits. */
    private static boolean lowerHex(String s, int from, int max) {
        int n = s.length() - from;
        if (n < 1 || n > max) return false;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    /** {@code ipset list -n}: set names. */
    public static List<String> ipsetNames(String text) {
        List<String> names = new ArrayList<>();
        for (String l : text.split("\n")) if (!l.isBlank()) names.add(l.strip());
        return names;
    }
}
