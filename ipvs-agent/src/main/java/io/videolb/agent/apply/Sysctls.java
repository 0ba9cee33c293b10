package io.videolb.agent.apply;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.ReadOnlyFileSystemException;
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
        try (InputStream in = Files.newInputStream(p)) {
            return new String(in.readNBytes(4096), StandardCharsets.US_ASCII)
                    .strip()
                    .replaceAll("\\s+", " ");
        }
    }

    /**
     * What {@link #apply} did: the values it changed and, in plain words, each value it could not set with what that
     * means for viewers and how to set it on the host.
     */
    public record Outcome(List<String> changed, List<String> unmet) {
        public Outcome {
            changed = List.copyOf(changed);
            unmet = List.copyOf(unmet);
        }
    }

    /** What a sysctl left at another value means for viewers (the reason videolb sets it). */
    static String meaning(String key) {
        return switch (key) {
            case "net/ipv4/vs/expire_nodest_conn" ->
                "connections to a removed server are not dropped at once: after"
                        + " a failover a viewer whose client port is reused can stay stuck on the dead server (measured: up"
                        + " to 46 s)";
            case "net/ipv4/vs/expire_quiescent_template" ->
                "persistence templates of a drained (weight 0) server do"
                        + " not expire: returning viewers keep reaching a server being drained until persistence ends";
            case "net/ipv4/vs/conn_reuse_mode" ->
                "a new connection on a reused client port may stick to a removed" + " server (kubernetes #81775)";
            default ->
                "the connection sync between two directors runs with the kernel's value instead"
                        + " (docs/director-ha-kernel.md): viewers' connections may not survive a takeover as measured";
        };
    }

    /**
     * "cannot set ..." for a value this process could not write (a container's read-only /proc/sys, no
     * CAP_NET_ADMIN in the network namespace): the current and wanted values, why, what it means, how to fix it.
     */
    public static String unmet(String key, String current, String wanted, IOException e) {
        String why = e.getMessage() != null && e.getMessage().contains("Read-only file system")
                ? "/proc/sys is read-only here (a container: Docker mounts it read-only)"
                : e instanceof AccessDeniedException
                        ? "permission denied (not root / no CAP_NET_ADMIN)"
                        : e.getMessage() != null && e.getMessage().contains("Operation not permitted")
                                ? "the kernel refused the write (" + e.getMessage() + ")"
                                : e.toString();
        String name = key.replace('/', '.');
        return "cannot set sysctl " + name + " (is " + current + ", videolb needs " + wanted + "): " + why + "; "
                + meaning(key) + "; set it on the host: sysctl -w " + name + "=" + wanted
                + " and in /etc/sysctl.d (docs/deployment.md)";
    }

    /**
     * Sets each wanted value that differs, going on past a value it cannot write: what could not be set is in
     * {@link Outcome#unmet()}, never thrown (the agent still applies IPVS and starts the sync daemon).
     */
    public static Outcome apply(Path root, Map<String, String> wanted) throws IOException {
        return apply(root, wanted, (p, v) -> Files.writeString(p, v, StandardCharsets.US_ASCII));
    }

    /** How a value is written (tests: a refusal as the kernel gives it). */
    interface Writer {
        void write(Path file, String value) throws IOException;
    }

    static Outcome apply(Path root, Map<String, String> wanted, Writer writer) throws IOException {
        List<String> changed = new ArrayList<>();
        List<String> unmet = new ArrayList<>();
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            Path p = root.resolve(e.getKey());
            String cur = current(p);
            if (e.getValue().equals(cur)) continue;
            try {
                writer.write(p, e.getValue() + "\n");
                changed.add(e.getKey().replace('/', '.') + " " + cur + " -> " + e.getValue());
            } catch (IOException | UnsupportedOperationException ex) {
                // a read-only mount answers EROFS (FileSystemException "Read-only file system"); a read-only file
                // system provider throws ReadOnlyFileSystemException: the same for the operator
                IOException io = ex instanceof IOException i
                        ? i
                        : new IOException(
                                ex instanceof ReadOnlyFileSystemException
                                        ? "Read-only file system"
                                        : String.valueOf(ex.getMessage()),
                                ex);
                unmet.add(unmet(e.getKey(), cur, e.getValue(), io));
            }
        }
        return new Outcome(changed, unmet);
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
