package io.videolb.agent.observed;

import io.videolb.agent.observed.IpvsTraffic.Backend;
import io.videolb.agent.observed.IpvsTraffic.BackendKey;
import io.videolb.agent.observed.IpvsTraffic.Counters;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.Map;
import java.util.TreeMap;

/**
 * Parsers of the kernel's IPVS traffic counters, for IPv4 fwmark services only (the only kind videolb makes; TCP,
 * UDP, SCTP and IPv6 services are skipped). Like {@link Parsers} they never throw on what they do not understand: a
 * line that does not parse is skipped, so one odd line costs its own series, never the scrape.
 */
public final class IpvsTrafficParser {
    private IpvsTrafficParser() {}

    /** What {@code /proc/net/ip_vs} says of one real server. */
    public record Status(long weight, long activeConns, long inactiveConns) {}

    /**
     * {@code /proc/net/ip_vs}: {@code FWM  0000000A rr persistent 60 FFFFFFFF} (mark in hex) and
     * {@code -> C000020B:0000 Route 1 0 1} (address and port in hex, weight, ActiveConn, InActConn).
     */
    public static Map<BackendKey, Status> procIpVs(String text) {
        Map<BackendKey, Status> out = new TreeMap<>();
        Fwmark current = null;
        for (String line : lines(text)) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 2 && t[0].equals("FWM")) {
                current = hexMark(t[1]);
            } else if (t.length >= 1 && (t[0].equals("TCP") || t[0].equals("UDP") || t[0].equals("SCTP"))) {
                current = null;
            } else if (current != null && t.length >= 6 && t[0].equals("->")) {
                try {
                    int colon = t[1].indexOf(':');
                    if (colon != 8 || t[1].length() != 13) continue; // IPv6 "[...]" or the header line
                    long ip = Long.parseLong(t[1].substring(0, 8), 16);
                    int port = Integer.parseInt(t[1].substring(9), 16);
                    Ipv4Address a = Ipv4Address.parse(
                            (ip >>> 24) + "." + ((ip >>> 16) & 255) + "." + ((ip >>> 8) & 255) + "." + (ip & 255));
                    out.put(new BackendKey(current, a, port), new Status(number(t[3]), number(t[4]), number(t[5])));
                } catch (RuntimeException e) {
                    // not a real-server line of ours
                }
            }
        }
        return out;
    }

    /** Per service and per real server of one {@code ipvsadm -Ln --stats --exact} or {@code --rate --exact} listing. */
    public record Listing(Map<Fwmark, Counters> services, Map<BackendKey, Counters> backends) {}

    /**
     * {@code ipvsadm -Ln --stats --exact} (Conns InPkts OutPkts InBytes OutBytes) or {@code ipvsadm -Ln --rate --exact}
     * (CPS InPPS OutPPS InBPS OutBPS): the same layout, {@code FWM  10} then five numbers, {@code -> 192.0.2.11:0} then
     * five numbers. Without {@code --exact} ipvsadm abbreviates large numbers ({@code 12K}): such a line is skipped.
     */
    public static Listing ipvsadmListing(String text) {
        Map<Fwmark, Counters> services = new TreeMap<>();
        Map<BackendKey, Counters> backends = new TreeMap<>();
        Fwmark current = null;
        for (String line : lines(text)) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 2 && t[0].equals("FWM")) {
                current = null;
                if (t.length != 7) continue; // "FWM  10 IPv6 ..." or foreign text
                try {
                    Fwmark m = new Fwmark(Long.parseLong(t[1]));
                    services.put(m, counters(t, 2));
                    current = m;
                } catch (RuntimeException e) {
                    // not ours
                }
            } else if (t.length >= 1 && (t[0].equals("TCP") || t[0].equals("UDP") || t[0].equals("SCTP"))) {
                current = null;
            } else if (current != null && t.length == 7 && t[0].equals("->")) {
                try {
                    int colon = t[1].lastIndexOf(':');
                    Ipv4Address a = Ipv4Address.parse(t[1].substring(0, colon));
                    int port = Integer.parseInt(t[1].substring(colon + 1));
                    backends.put(new BackendKey(current, a, port), counters(t, 2));
                } catch (RuntimeException e) {
                    // not a real-server line of ours
                }
            }
        }
        return new Listing(services, backends);
    }

    /**
     * {@code /proc/net/ip_vs_stats}: the kernel's totals over every service, in hex on the third line (Conns, InPkts,
     * OutPkts, InBytes, OutBytes), as node_exporter reads them; null when the text is not that table.
     */
    public static Counters procIpVsStats(String text) {
        String[] l = text.split("\n");
        if (l.length < 3) return null;
        String[] t = l[2].trim().split("\\s+");
        if (t.length != 5) return null;
        try {
            return new Counters(
                    Long.parseUnsignedLong(t[0], 16),
                    Long.parseUnsignedLong(t[1], 16),
                    Long.parseUnsignedLong(t[2], 16),
                    Long.parseUnsignedLong(t[3], 16),
                    Long.parseUnsignedLong(t[4], 16));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The three reads joined: the real servers {@code /proc/net/ip_vs} lists, with their totals and rates where ipvsadm listed them. */
    public static IpvsTraffic join(
            Map<BackendKey, Status> status, Listing stats, Listing rates, Counters kernelTotals) {
        TreeMap<BackendKey, Backend> backends = new TreeMap<>();
        status.forEach((k, s) -> backends.put(
                k,
                new Backend(
                        s.weight(),
                        s.activeConns(),
                        s.inactiveConns(),
                        stats.backends().get(k),
                        rates.backends().get(k))));
        return new IpvsTraffic(
                new TreeMap<>(stats.services()), new TreeMap<>(rates.services()), backends, kernelTotals);
    }

    private static Fwmark hexMark(String hex) {
        try {
            return hex.length() == 8 ? new Fwmark(Long.parseLong(hex, 16)) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static Counters counters(String[] t, int from) {
        return new Counters(
                number(t[from]), number(t[from + 1]), number(t[from + 2]), number(t[from + 3]), number(t[from + 4]));
    }

    /** A decimal counter: digits only (no sign, no "K"), at most 19 digits. */
    private static long number(String s) {
        if (!s.matches("[0-9]{1,19}")) throw new NumberFormatException("not a counter: " + s);
        return Long.parseLong(s);
    }

    private static String[] lines(String text) {
        return text == null ? new String[0] : text.split("\n");
    }
}
