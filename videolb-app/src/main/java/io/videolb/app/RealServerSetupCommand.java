package io.videolb.app;

import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ExitCode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb realserver-setup --vip VIP [--print | --apply]}. */
@Command(
        name = "realserver-setup",
        mixinStandardHelpOptions = true,
        description = {
            "What a real server needs for LVS/DR: the VIP on lo as /32, arp_ignore=1 and arp_announce=2."
                    + " Prints the commands (default) or runs them on this machine (--apply, as root).",
            "Exit: 0 ok, 1 a step failed, 2 usage or invalid VIP."
        })
final class RealServerSetupCommand implements Callable<Integer> {
    @Option(
            names = "--vip",
            required = true,
            paramLabel = "VIP",
            description = "The service address (lvsIP of param.csv), literal IPv4.")
    String vip;

    static final class Mode {
        @Option(names = "--print", description = "Print the commands (default).")
        boolean print;

        @Option(
                names = "--apply",
                description = "Run them here: ip addr replace VIP/32 dev lo, then write the sysctls to /proc/sys.")
        boolean apply;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Mode mode;

    @Override
    public Integer call() {
        Ipv4Address a;
        try {
            a = RealServerSetup.vip(vip);
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb realserver-setup: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        RealServerSetup setup = new RealServerSetup(a, "ip", Path.of("/proc/sys"));
        if (mode != null && mode.apply) return setup.apply(Io.out, Io.err).code();
        setup.describe().forEach(Io.out::println);
        return ExitCode.OK.code();
    }
}
