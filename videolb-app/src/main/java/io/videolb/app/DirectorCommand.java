package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code videolb director promote NAME}, through the admin API (issue 10). */
@Command(
        name = "director",
        mixinStandardHelpOptions = true,
        description = {
            "The director pair (VRRP via keepalived): move the VIP without preemption.",
            "Exit: 0 ok, 1 refused (4xx), 2 usage, 3 API unreachable or 5xx."
        },
        subcommands = {DirectorCommand.Promote.class})
final class DirectorCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Io.err.println("usage: videolb director promote NAME [--force]");
        return ExitCode.USAGE.code();
    }

    @Command(
            name = "promote",
            mixinStandardHelpOptions = true,
            description = {
                "Move the VIP to director NAME: the holder yields (its keepalived goes FAULT and sends priority 0),",
                "NAME becomes MASTER, the holder returns to BACKUP. NAME must report HA and be BACKUP. Audited.",
                "Refused (409) unless NAME's connection table covers the holder's (VIDEOLB_PROMOTE_COVERAGE, statuses",
                "younger than VIDEOLB_PROMOTE_STATUS_MAX_AGE_S); --force moves the VIP anyway (viewers may be cut).",
                "Exit: 0 published, 1 refused, 2 usage, 3 unreachable."
            })
    static final class Promote implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(
                names = "--force",
                description = "promote even without connection parity (the holder's viewers the target lacks are cut)")
        boolean force;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            CliVerbs v = api.verbs();
            return (v == null ? ExitCode.USAGE : v.promote(name, force)).code();
        }
    }
}
