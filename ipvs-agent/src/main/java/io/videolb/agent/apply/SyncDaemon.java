package io.videolb.agent.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The IPVS connection-sync daemon role of this director: master on the active director, backup on
 * the standby, none to leave it alone.
 */
public record SyncDaemon(Role role, String iface, int syncId) {
    public enum Role {
        NONE,
        MASTER,
        BACKUP
    }

    public static final SyncDaemon NONE = new SyncDaemon(Role.NONE, "eth0", 0);

    public SyncDaemon {
        if (role == null) throw new IllegalArgumentException("sync role: master, backup or none");
        if (iface == null || !iface.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}")) {
            throw new IllegalArgumentException(
                    "sync interface: must be an interface name (1..15 of A-Z a-z 0-9 _ . -)");
        }
        if (syncId < 0 || syncId > 255) throw new IllegalArgumentException("sync id: must be 0..255, got " + syncId);
    }

    public static Role parseRole(String s) {
        try {
            return Role.valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("sync role: must be master, backup or none, got '" + s + "'");
        }
    }

    /** What {@code ipvsadm -L --daemon} prints for this role ("master sync daemon (mcast=eth0, syncid=1)"). */
    public boolean runningIn(String daemonList) {
        String r = role.name().toLowerCase(Locale.ROOT);
        for (String line : daemonList.split("\n")) {
            String l = line.strip();
            if (l.startsWith(r + " sync daemon") && l.contains("mcast=" + iface) && l.contains("syncid=" + syncId))
                return true;
        }
        return false;
    }

    /** Starts the daemon if this role is wanted and not running as configured. Returns what it did. */
    public List<String> ensure(Kernel kernel) {
        List<String> did = new ArrayList<>();
        if (role == Role.NONE) return did;
        String ipvsadm = kernel.tools().ipvsadm();
        String r = role.name().toLowerCase(Locale.ROOT);
        String list = kernel.command(List.of(ipvsadm, "-L", "--daemon"));
        if (runningIn(list)) return did;
        if (list.contains(r + " sync daemon")) {
            kernel.command(List.of(ipvsadm, "--stop-daemon", r));
            did.add("stopped " + r + " sync daemon with other settings");
        }
        kernel.command(List.of(
                ipvsadm, "--start-daemon", r, "--mcast-interface", iface, "--syncid", Integer.toString(syncId)));
        did.add("started " + r + " sync daemon on " + iface + " syncid " + syncId);
        return did;
    }
}
