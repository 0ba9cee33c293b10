package io.videolb.agent.observed;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parser of the kernel's IPVS tables under /proc (pure: text in, typed values out; never throws on
 * foreign content). Formats, as kernel 6.1 prints them (net/netfilter/ipvs):
 * <pre>
 * /proc/net/ip_vs_conn:
 * Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 * TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT        116
 * IP  CB007115 0000 0000000A 0000 C000020B 0000 ASSURED          56
 *
 * /proc/net/ip_vs (services):
 * FWM  0000000A rr persistent 15000 FFFFFFFF
 * </pre>
 * Addresses and ports are upper-case hex in host order; a template of a fwmark service has protocol
 * {@code IP}, ports 0 and the fwmark as its ToIP; Expires is in seconds. PEName/PEData (persistence
 * engines such as SIP) are ignored.
 */
public final class IpvsConnParser {
    /** Protocol names the kernel prints for connection entries ({@code IP} marks a fwmark template). */
    static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP", "AH", "ESP", "ICMP", "ICMPv6");

    private static final Pattern HEX8 = Pattern.compile("[0-9A-F]{8}");
    private static final Pattern HEX4 = Pattern.compile("[0-9A-F]{4}");
    private static final Pattern STATE = Pattern.compile("[A-Z][A-Z_]{0,15}|ERR!");
    private static final Pattern EXPIRES = Pattern.compile("[0-9]{1,10}");
    private static final Pattern PE_WORD = Pattern.compile("\\S{1,64}");

    private IpvsConnParser() {}

    /** One line of {@code /proc/net/ip_vs_conn} (without its newline). */
    public static IpvsConnLine parse(String line) {
        String[] t = line.strip().split(" +");
        if (t.length == 0 || t[0].isEmpty()) return new IpvsConnLine.Malformed("empty line");
        if (t[0].equals("Pro")) return new IpvsConnLine.Header();
        if (t.length < 9 || t.length > 11)
            return new IpvsConnLine.Malformed("expected 9 to 11 fields, got " + t.length);
        if (t[1].indexOf(':') >= 0 || t[5].startsWith("[")) return new IpvsConnLine.Ipv6();
        boolean template = t[0].equals("IP");
        if (!template && !PROTOCOLS.contains(t[0])) return new IpvsConnLine.Malformed("Pro: unknown protocol");
        String bad = firstBadField(t);
        if (bad != null) return new IpvsConnLine.Malformed(bad);
        Ipv4Address from = new Ipv4Address(hex(t[1]));
        int fromPort = hex(t[2]);
        int to = hex(t[3]);
        Ipv4Address dest = new Ipv4Address(hex(t[5]));
        long expires = Long.parseLong(t[8]);
        if (expires > 0xFFFFFFFFL) return new IpvsConnLine.Malformed("Expires: above 2^32-1");
        if (template) {
            if (to == 0) return new IpvsConnLine.Malformed("ToIP: a template with fwmark 0");
            return new PersistenceTemplate(from, new Fwmark(Integer.toUnsignedLong(to)), dest, t[7], expires);
        }
        if (fromPort == 0) return new IpvsConnLine.PortTemplate();
        return new IpvsConnection(t[0], from, fromPort, new Ipv4Address(to), hex(t[4]), dest, hex(t[6]), t[7], expires);
    }

    private static String firstBadField(String[] t) {
        if (!HEX8.matcher(t[1]).matches()) return "FromIP: not 8 hex digits";
        if (!HEX4.matcher(t[2]).matches()) return "FPrt: not 4 hex digits";
        if (!HEX8.matcher(t[3]).matches()) return "ToIP: not 8 hex digits";
        if (!HEX4.matcher(t[4]).matches()) return "TPrt: not 4 hex digits";
        if (!HEX8.matcher(t[5]).matches()) return "DestIP: not 8 hex digits";
        if (!HEX4.matcher(t[6]).matches()) return "DPrt: not 4 hex digits";
        if (!STATE.matcher(t[7]).matches()) return "State: not a state word";
        if (!EXPIRES.matcher(t[8]).matches()) return "Expires: not a decimal number";
        for (int i = 9; i < t.length; i++) {
            if (!PE_WORD.matcher(t[i]).matches()) return "PEName/PEData: too long";
        }
        return null;
    }

    private static int hex(String s) {
        return Integer.parseUnsignedInt(s, 16);
    }

    /**
     * The persistence netmasks of the fwmark services in {@code /proc/net/ip_vs} ({@code FWM  MARK
     * SCHED [ops ]persistent TIMEOUT NETMASK}): fwmark -> every netmask seen for it (an IPv6 service
     * may share a mark; its entry is harmless here). Services without persistence and other lines are skipped.
     */
    public static Map<Fwmark, Set<Integer>> persistenceNetmasks(String ipVsText) {
        Map<Fwmark, Set<Integer>> out = new HashMap<>();
        for (String line : ipVsText.split("\n", 100_000)) {
            String[] t = line.strip().split(" +");
            if (t.length < 5
                    || t.length > 7
                    || !t[0].equals("FWM")
                    || !HEX8.matcher(t[1]).matches()) continue;
            int p = t.length - 3;
            if (!t[p].equals("persistent")
                    || !t[p + 1].matches("[0-9]{1,10}")
                    || !HEX8.matcher(t[p + 2]).matches()) continue;
            int mark = hex(t[1]);
            if (mark == 0) continue;
            out.computeIfAbsent(new Fwmark(Integer.toUnsignedLong(mark)), k -> new HashSet<>())
                    .add(hex(t[p + 2]));
        }
        return out;
    }
}
