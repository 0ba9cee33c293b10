package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code videolb client set IP MARK} and {@code videolb client rm IP}, through the admin API. */
@Command(
        name = "client",
        mixinStandardHelpOptions = true,
        description = {
            "Change one client through the admin API (published as one generation, audited).",
            "Exit: 0 ok, 1 refused (bad value, 4xx), 2 usage, 3 API unreachable or 5xx."
        },
        subcommands = {ClientCommand.Set.class, ClientCommand.Rm.class})
final class ClientCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Io.err.println("usage: videolb client set IP[/LEN] MARK | videolb client rm IP[/LEN]");
        return ExitCode.USAGE.code();
    }

    @Command(
            name = "set",
            mixinStandardHelpOptions = true,
            description = {
                "Give a client (address or CIDR) a mark; the mark must have a pool.",
                "Exit: 0 ok, 1 refused, 2 usage, 3 unreachable."
            })
    static final class Set implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IP")
        String client;

        @Parameters(index = "1", paramLabel = "MARK")
        String mark;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            CliVerbs v = api.verbs();
            return (v == null ? ExitCode.USAGE : v.clientSet(client, mark)).code();
        }
    }

    @Command(
            name = "rm",
            mixinStandardHelpOptions = true,
            description = {
                "Remove a client entry (it falls back to the network's default mark).",
                "Exit: 0 ok, 1 refused, 2 usage, 3 unreachable."
            })
    static final class Rm implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IP")
        String client;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            CliVerbs v = api.verbs();
            return (v == null ? ExitCode.USAGE : v.clientRm(client)).code();
        }
    }
}
