package io.videolb.app;

import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ExitCode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a real server needs for LVS/DR: the VIP on {@code lo} as a /32 (it accepts packets for the
 * VIP) and {@code arp_ignore=1}, {@code arp_announce=2} (it never answers or announces ARP for the
 * VIP, which belongs to the director on the shared segment). Built only from a validated
 * {@link Ipv4Address}; run with argument lists (no shell) and written to /proc/sys directly.
 */
final class RealServerSetup {
    /** One sysctl: its dotted name (for printing) and value. */
    record Sysctl(String name, String value) {
        Path path(Path sysctlRoot) {
            return sysctlRoot.resolve(name.replace('.', '/'));
        }
    }

    static final List<Sysctl> SYSCTLS = List.of(
            new Sysctl("net.ipv4.conf.all.arp_ignore", "1"),
            new Sysctl("net.ipv4.conf.all.arp_announce", "2"),
            new Sysctl("net.ipv4.conf.lo.arp_ignore", "1"),
            new Sysctl("net.ipv4.conf.lo.arp_announce", "2"));

    private final Ipv4Address vip;
    private final String ipCommand;
    private final Path sysctlRoot;

    RealServerSetup(Ipv4Address vip, String ipCommand, Path sysctlRoot) {
        this.vip = vip;
        this.ipCommand = ipCommand;
        this.sysctlRoot = sysctlRoot;
    }

    /** Parses and checks a VIP given on the command line; the message names the option. */
    static Ipv4Address vip(String text) {
        Ipv4Address a;
        try {
            a = Ipv4Address.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--vip: " + e.getMessage());
        }
        long v = a.unsigned();
        int first = (int) (v >>> 24);
        if (first == 0 || first == 127 || first >= 224) {
            throw new IllegalArgumentException("--vip: " + a
                    + " is not a unicast service address (0/8, 127/8, multicast and reserved are refused)");
        }
        return a;
    }

    /** {@code ip addr replace VIP/32 dev lo} (idempotent: no error when it is already there). */
    List<String> ipArgv() {
        return List.of(ipCommand, "addr", "replace", vip + "/32", "dev", "lo");
    }

    /** The commands as an operator would type them. */
    List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add(String.join(" ", ipArgv()).replaceFirst("^\\S+", "ip"));
        for (Sysctl s : SYSCTLS) out.add("sysctl -w " + s.name() + "=" + s.value());
        return out;
    }

    /** Runs the commands; prints each as it goes. {@link ExitCode#OK}, or {@link ExitCode#FAILED}: a step failed. */
    ExitCode apply(PrintStream out, PrintStream err) {
        try {
            ProcessBuilder pb = new ProcessBuilder(ipArgv()).redirectErrorStream(true);
            out.println(describe().get(0));
            Process p = pb.start();
            p.getOutputStream().close();
            boolean done = p.waitFor(10, TimeUnit.SECONDS);
            String text = new String(p.getInputStream().readNBytes(8192), StandardCharsets.UTF_8).strip();
            if (!done) {
                p.destroyForcibly();
                err.println("videolb realserver-setup: " + ipCommand + " did not finish within 10 s");
                return ExitCode.FAILED;
            }
            if (p.exitValue() != 0) {
                err.println("videolb realserver-setup: " + String.join(" ", ipArgv()) + " failed (exit " + p.exitValue()
                        + "): " + text);
                return ExitCode.FAILED;
            }
            for (Sysctl s : SYSCTLS) {
                out.println("sysctl -w " + s.name() + "=" + s.value());
                Files.writeString(s.path(sysctlRoot), s.value() + "\n", StandardCharsets.US_ASCII);
            }
            out.println(
                    "done; to keep it after a reboot put the sysctls in /etc/sysctl.d/ and the address in the network configuration");
            return ExitCode.OK;
        } catch (IOException e) {
            err.println("videolb realserver-setup: " + e.getMessage() + " (root or CAP_NET_ADMIN needed)");
            return ExitCode.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED;
        }
    }
}
