package io.videolb.agent.apply;

import java.time.Duration;

/** Paths of the kernel tools and the timeout of one call. */
public record Tools(
        String ipset, String iptablesSave, String iptablesRestore, String ipvsadm, String modprobe, Duration timeout) {
    public static final Tools DEFAULT =
            new Tools("ipset", "iptables-save", "iptables-restore", "ipvsadm", "modprobe", Duration.ofSeconds(30));

    public Tools {
        for (String t : new String[] {ipset, iptablesSave, iptablesRestore, ipvsadm, modprobe}) {
            if (t == null || t.isEmpty() || t.startsWith("-") || !t.matches("[A-Za-z0-9_./-]+")) {
                throw new IllegalArgumentException("tool path must be a plain path (A-Z a-z 0-9 _ . / -), got " + t);
            }
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero())
            throw new IllegalArgumentException("timeout must be positive");
    }
}
