package io.videolb.runtime.settings;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * This machine's own name, for settings whose default is "the host name" (the agent's director id, the
 * checker id). Read from the kernel ({@code /proc/sys/kernel/hostname}, what {@code hostname} prints) without any
 * name resolution: a host whose name does not resolve (no {@code /etc/hosts} entry, no DNS — seen in the VM
 * of the end-to-end tests) still has a name. Only where that file is absent does it ask the JVM, which resolves.
 */
public final class HostName {
    private static final Path KERNEL_HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private HostName() {}

    /** This machine's name, or empty when it cannot be read at all. */
    public static Optional<String> ofThisMachine() {
        return of(KERNEL_HOSTNAME);
    }

    static Optional<String> of(Path kernelFile) {
        try {
            String h = Files.readString(kernelFile, StandardCharsets.US_ASCII).strip();
            if (!h.isEmpty()) return Optional.of(h);
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc not mounted: ask the JVM below
        }
        try {
            return Optional.of(InetAddress.getLocalHost().getHostName()).filter(h -> !h.isBlank());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * {@code host} as an id matching {@code idPattern}: the whole name, else its first label (a fully qualified
     * name gives its short name); empty when neither matches.
     */
    public static Optional<String> asId(String host, String idPattern) {
        if (host == null) return Optional.empty();
        if (host.matches(idPattern)) return Optional.of(host);
        int dot = host.indexOf('.');
        if (dot > 0 && host.substring(0, dot).matches(idPattern)) return Optional.of(host.substring(0, dot));
        return Optional.empty();
    }
}
