package io.videolb.agent.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * IPVS sysctls videolb sets explicitly: expire_nodest_conn=1 (connections to a deleted server are
 * dropped at once, so a reused client port is not stuck for up to 46 s) and
 * expire_quiescent_template=1 (persistence templates of a weight-0 server expire), plus the sync
 * sysctls of {@link SyncDaemon#sysctls()} with sync role both (two directors). Written
 * through {@code ROOT/net/ipv4/vs/...}; ROOT is /proc/sys on a real machine and a temp dir in tests.
 */
public final class Sysctls {
    public static final Map<String, String> WANTED = Map.of(
            "net/ipv4/vs/expire_nodest_conn", "1",
            "net/ipv4/vs/expire_quiescent_template", "1");

    private Sysctls() {}

    /** {@link #WANTED} and the sync sysctls of {@code sync}, in a fixed order. */
    public static Map<String, String> wanted(SyncDaemon sync) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("net/ipv4/vs/expire_nodest_conn", WANTED.get("net/ipv4/vs/expire_nodest_conn"));
        m.put("net/ipv4/vs/expire_quiescent_template", WANTED.get("net/ipv4/vs/expire_quiescent_template"));
        m.putAll(sync.sysctls());
        return m;
    }

    /** Sets each value of {@link #WANTED} that differs; returns what it changed, in plain words. */
    public static List<String> ensure(Path root) throws IOException {
        return ensure(root, WANTED);
    }

    /** The current values (whitespace folded to one blank; null when the file is missing), for reports. */
    public static Map<String, String> read(Path root, Iterable<String> keys) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : keys) out.put(k.replace('/', '.'), current(root.resolve(k)));
        return out;
    }

    /**
     * One read of up to 4 KiB: a /proc/sys file of several numbers answers only a read at offset 0
     * ({@code proc_dointvec} returns EOF for a later offset), and {@code Files.readString} of a file that
     * reports size 0 starts with a one-byte read (measured: {@code sync_threshold} "3\t50" came back as "3").
     */
    private static String current(Path p) throws IOException {
        if (!Files.exists(p)) return null;
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return new String(in.readNBytes(4096), StandardCharsets.US_ASCII)
                    .strip()
                    .replaceAll("\\s+", " ");
        }
    }

    /** Sets each wanted value that differs; returns what it changed, in plain words. */
    public static List<String> ensure(Path root, Map<String, String> wanted) throws IOException {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            Path p = root.resolve(e.getKey());
            String cur = current(p);
            if (!e.getValue().equals(cur)) {
                Files.writeString(p, e.getValue() + "\n", StandardCharsets.US_ASCII);
                changed.add(e.getKey().replace('/', '.') + " " + cur + " -> " + e.getValue());
            }
        }
        return changed;
    }
}
