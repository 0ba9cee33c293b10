package io.videolb.agent.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code net.ipv4.vs.conn_reuse_mode}, managed by kernel version (kubernetes #81775, #93297; decision in
 * docs/decisions.md). With mode 1 a new connection that reuses a client port of an old one is scheduled afresh, so
 * after a failover a reused port does not stick to the removed server (with 0 it does: #81775, exactly videolb's
 * failover case). Before Linux 5.9 mode 1 drops the first SYN of such a connection when IPVS connection tracking is on
 * ({@code net.ipv4.vs.conntrack=1}): a 1 s delay (#70747); 5.9 fixed that and the expiry of connections to a deleted
 * server (#93297). Hence:
 *
 * <ul>
 *   <li>kernel 5.9 or later: set 1;
 *   <li>older kernel with {@code vs/conntrack} 0 (videolb's DR setup never needs it): set 1 - the SYN-drop path needs
 *       conntrack, so there is no delay;
 *   <li>older kernel with {@code vs/conntrack} 1 (someone else needs it): left as it is, and reported - both values
 *       have a defect there (0: reused ports stick to removed servers; 1: 1 s delays); upgrade the kernel.
 * </ul>
 *
 * Kept apart from {@link Sysctls} so that both can change independently.
 */
public final class ConnReuseMode {
    static final String MODE = "net/ipv4/vs/conn_reuse_mode";
    static final String CONNTRACK = "net/ipv4/vs/conntrack";
    static final String OSRELEASE = "kernel/osrelease";
    private static final Pattern VERSION = Pattern.compile("^([0-9]{1,4})\\.([0-9]{1,4})");

    private ConnReuseMode() {}

    /** What to do on a kernel of {@code release} with {@code vs/conntrack} as given: "1" to set, null to leave alone. */
    static String wanted(String release, boolean ipvsConntrack) {
        int[] v = version(release);
        boolean fixed = v != null && (v[0] > 5 || (v[0] == 5 && v[1] >= 9));
        if (fixed || !ipvsConntrack) return "1";
        return null;
    }

    static int[] version(String release) {
        Matcher m = VERSION.matcher(release == null ? "" : release.strip());
        if (!m.find()) return null;
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /**
     * Sets the mode where the kernel version allows; returns what it changed or why it left it, in plain words (a
     * line starting "left" is a warning). {@code root} is /proc/sys on a real machine.
     */
    public static List<String> ensure(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        Path mode = root.resolve(MODE);
        if (!Files.exists(mode)) return out; // kernel without the knob (< 4.1) or no IPVS
        String release = read(root.resolve(OSRELEASE));
        String conntrack = read(root.resolve(CONNTRACK));
        String want = wanted(release, "1".equals(conntrack));
        String cur = read(mode);
        if (want == null) {
            if (!"0".equals(cur) && !"1".equals(cur)) return out;
            out.add("left net.ipv4.vs.conn_reuse_mode at " + cur + ": kernel " + release
                    + " (< 5.9) with net.ipv4.vs.conntrack=1 - "
                    + ("1".equals(cur)
                            ? "new connections on a reused client port may wait 1 s (kubernetes #70747)"
                            : "a reused client port may stick to a removed server (kubernetes #81775)")
                    + "; upgrade to 5.9+ or turn vs/conntrack off");
            return out;
        }
        if (!want.equals(cur)) {
            Files.writeString(mode, want + "\n", StandardCharsets.US_ASCII);
            out.add("net.ipv4.vs.conn_reuse_mode " + cur + " -> " + want + " (kernel " + release + ")");
        }
        return out;
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.US_ASCII).strip() : null;
    }
}
