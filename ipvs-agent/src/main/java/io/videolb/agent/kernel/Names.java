package io.videolb.agent.kernel;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The kernel object names videolb owns, and the steering match. Everything here ends up in
 * restore payloads, so it is checked strictly when constructed: names are short ASCII words
 * (no blanks, no control characters, no leading '-'), ports are 1..65535.
 *
 * @param chain   our mangle chain, jumped to once from PREROUTING (iptables: at most 28 characters)
 * @param set     the steering ipset (at most 31 characters)
 * @param tempSet the set built beside it and swapped in for whole-set replacement
 * @param ports   destination TCP ports steered (RTMP 1935, HLS 8080)
 */
public record Names(String chain, String set, String tempSet, List<Integer> ports) {
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,27}");
    public static final Names DEFAULT =
            new Names("VIDEOLB-STEER", "videolb-clients", "videolb-clients-tmp", List.of(1935, 8080));

    public Names {
        checkName("chain", chain);
        checkName("set", set);
        checkName("tempSet", tempSet);
        if (set.equals(tempSet)) throw new IllegalArgumentException("tempSet must differ from set");
        ports = List.copyOf(ports);
        if (ports.isEmpty() || ports.size() > 15)
            throw new IllegalArgumentException("ports: 1..15 ports, got " + ports.size());
        for (Integer p : ports) {
            if (p == null || p < 1 || p > 65535)
                throw new IllegalArgumentException("ports: " + p + " is not a port 1..65535");
        }
        if (List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING").contains(chain)) {
            throw new IllegalArgumentException(
                    "chain: " + chain + " is a built-in chain, videolb needs a chain of its own");
        }
    }

    public static void checkName(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    field + ": must be 1..28 characters of A-Z a-z 0-9 _ . - not starting with '-' (got "
                            + (value == null ? "null" : value.length() + " characters") + ")");
        }
    }

    public String portList() {
        StringBuilder sb = new StringBuilder();
        for (Integer p : ports) {
            if (sb.length() > 0) sb.append(',');
            sb.append(p);
        }
        return sb.toString();
    }
}
