package io.videolb.agent.apply;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IPVS connection-sync daemons of this director. {@code BOTH} (two directors, docs/director-ha-kernel.md):
 * the master daemon sends this director's connections with {@code syncId}, the backup daemon takes the
 * peer's with {@code peerSyncId}; both run all the time, so nothing switches at a VRRP takeover (the
 * standby's master has nothing to send, the holder's backup gets nothing). {@code MASTER} / {@code
 * BACKUP}: one role only (a director whose peer is not videolb); {@code NONE}: leave the daemons alone.
 *
 * @param peerSyncId the backup daemon's id with {@code BOTH} (the peer's {@code syncId}); ignored otherwise
 * @param tuning     the sync sysctls, set with {@code BOTH} ({@link #sysctls()})
 */
public record SyncDaemon(Role role, String iface, int syncId, int peerSyncId, Tuning tuning) {
    public enum Role {
        NONE,
        MASTER,
        BACKUP,
        BOTH
    }

    /**
     * The sync sysctls (docs/director-ha-kernel.md has the measurements behind each default).
     *
     * @param sloppyTcp        {@code net.ipv4.vs.sloppy_tcp}: a mid-stream packet of a connection the sync
     *                         never carried creates an entry instead of reaching the local stack (a RST)
     * @param thresholdPackets {@code sync_threshold} first value: a connection is synced at this many packets
     * @param periodPackets    {@code sync_threshold} second value: and again every this many (0: once)
     * @param persistMode      {@code sync_persist_mode}: 0 syncs every connection, 1 only the persistence
     *                         templates of persistent services
     */
    public record Tuning(boolean sloppyTcp, int thresholdPackets, int periodPackets, int persistMode) {
        public static final Tuning DEFAULT = new Tuning(true, 3, 50, 0);

        public Tuning {
            if (thresholdPackets < 0 || periodPackets < 0 || thresholdPackets > 9999 || periodPackets > 9999)
                throw new IllegalArgumentException(
                        "sync threshold: two numbers 0..9999, got " + thresholdPackets + " " + periodPackets);
            if (periodPackets != 0 && thresholdPackets >= periodPackets)
                throw new IllegalArgumentException("sync threshold: the first number must be below the second "
                        + "(or the second 0), got " + thresholdPackets + " " + periodPackets);
            if (persistMode != 0 && persistMode != 1)
                throw new IllegalArgumentException("sync persist mode: 0 or 1, got " + persistMode);
        }

        /** "3 50" (the sysctl's two numbers, blank-separated) -> the two numbers, checked. */
        public static int[] parseThreshold(String s) {
            String t = s == null ? "" : s.strip();
            if (!t.matches("[0-9]{1,4}[ \t]+[0-9]{1,4}"))
                throw new IllegalArgumentException("sync threshold: two numbers like '3 50', got '" + s + "'");
            String[] p = t.split("[ \t]+");
            int a = Integer.parseInt(p[0]);
            int b = Integer.parseInt(p[1]);
            new Tuning(true, a, b, 0);
            return new int[] {a, b};
        }
    }

    /** One daemon as {@code ipvsadm -L --daemon} lists it. */
    public record Running(String role, String iface, int syncId) {}

    public static final SyncDaemon NONE = new SyncDaemon(Role.NONE, "eth0", 0);

    private static final Pattern LINE =
            Pattern.compile("^(master|backup) sync daemon \\(mcast=([^,)]+), syncid=([0-9]+)[,)].*");

    public SyncDaemon {
        if (tuning == null) throw new IllegalArgumentException("sync tuning: missing");
        if (role == null) throw new IllegalArgumentException("sync role: master, backup, both or none");
        if (iface == null || !iface.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new IllegalArgumentException(
                    "sync interface: must be an interface name (1..15 of A-Z a-z 0-9 _ . -)");
        }
        if (syncId < 0 || syncId > 255) throw new IllegalArgumentException("sync id: must be 0..255, got " + syncId);
        if (role == Role.BOTH) {
            if (syncId == 0)
                throw new IllegalArgumentException(
                        "sync id: must be 1..255 with role both (0 makes a backup take every id)");
            if (peerSyncId < 1 || peerSyncId > 255 || peerSyncId == syncId)
                throw new IllegalArgumentException(
                        "peer sync id: with role both it must be 1..255 and differ from the sync id " + syncId
                                + ", got " + peerSyncId);
        }
    }

    /** One role (or none): no peer id, default tuning. */
    public SyncDaemon(Role role, String iface, int syncId) {
        this(role, iface, syncId, 0, Tuning.DEFAULT);
    }

    /**
     * The sysctls (path under /proc/sys -> value) that go with this configuration: with {@code BOTH} (two
     * videolb directors) {@code backup_only=0} (hot standby: the director function is on before the VIP arrives),
     * {@code sync_version=1} and the {@link Tuning}; none with the single roles or {@code NONE}
     * (today's single director stays exactly as it was).
     */
    public Map<String, String> sysctls() {
        Map<String, String> m = new LinkedHashMap<>();
        if (role != Role.BOTH) return m;
        m.put("net/ipv4/vs/backup_only", "0");
        m.put("net/ipv4/vs/sloppy_tcp", tuning.sloppyTcp() ? "1" : "0");
        m.put("net/ipv4/vs/sync_version", "1");
        m.put("net/ipv4/vs/sync_persist_mode", Integer.toString(tuning.persistMode()));
        m.put("net/ipv4/vs/sync_threshold", tuning.thresholdPackets() + " " + tuning.periodPackets());
        return m;
    }

    public static Role parseRole(String s) {
        try {
            return Role.valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("sync role: must be master, backup, both or none, got '" + s + "'");
        }
    }

    /** The daemons this configuration wants, in start order. */
    public List<Running> wanted() {
        return switch (role) {
            case NONE -> List.of();
            case MASTER -> List.of(new Running("master", iface, syncId));
            case BACKUP -> List.of(new Running("backup", iface, syncId));
            case BOTH -> List.of(new Running("master", iface, syncId), new Running("backup", iface, peerSyncId));
        };
    }

    /** The daemons in {@code ipvsadm -L --daemon} output ("master sync daemon (mcast=eth0, syncid=1, ...)"). */
    public static List<Running> parse(String daemonList) {
        List<Running> out = new ArrayList<>();
        for (String line : daemonList.split("\n")) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches()) out.add(new Running(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
        }
        return out;
    }

    /**
     * The roles running, for the agent's status: "master+backup", "master", "backup" or "off"
     * (AgentStatus.DirectorHa.syncRole).
     */
    public static String roles(List<Running> running) {
        boolean m = running.stream().anyMatch(r -> r.role().equals("master"));
        boolean b = running.stream().anyMatch(r -> r.role().equals("backup"));
        return m && b ? "master+backup" : m ? "master" : b ? "backup" : "off";
    }

    /** Whether every wanted daemon is in {@code daemonList} exactly as configured. */
    public boolean runningIn(String daemonList) {
        return parse(daemonList).containsAll(wanted());
    }

    /** Lists the daemons that run now (one {@code ipvsadm -L --daemon}). */
    public static List<Running> running(Kernel kernel) {
        return parse(kernel.command(List.of(kernel.tools().ipvsadm(), "-L", "--daemon")));
    }

    /**
     * Starts each wanted daemon that is not running as configured (one running with other settings is
     * stopped first). A daemon of a role this configuration does not want is left alone. Returns what it did.
     */
    public List<String> ensure(Kernel kernel) {
        List<String> did = new ArrayList<>();
        if (role == Role.NONE) return did;
        String ipvsadm = kernel.tools().ipvsadm();
        List<Running> now = running(kernel);
        for (Running w : wanted()) {
            if (now.contains(w)) continue;
            if (now.stream().anyMatch(r -> r.role().equals(w.role()))) {
                kernel.command(List.of(ipvsadm, "--stop-daemon", w.role()));
                did.add("stopped " + w.role() + " sync daemon with other settings");
            }
            kernel.command(List.of(
                    ipvsadm,
                    "--start-daemon",
                    w.role(),
                    "--mcast-interface",
                    w.iface(),
                    "--syncid",
                    Integer.toString(w.syncId())));
            did.add("started " + w.role() + " sync daemon on " + w.iface() + " syncid " + w.syncId());
        }
        return did;
    }
}
