package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code videolb server drain IP [--deadline 10m]} and {@code videolb server enable IP}: maintenance mode. */
@Command(
        name = "server",
        mixinStandardHelpOptions = true,
        description = {
            "Maintenance mode through the admin API (desired state: published, audited, kept across restarts).",
            "Exit: 0 ok, 1 refused (bad value, 4xx), 2 usage, 3 API unreachable or 5xx."
        },
        subcommands = {ServerCommand.Drain.class, ServerCommand.Enable.class})
final class ServerCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        Io.err.println("usage: videolb server drain IP [--deadline 10m] | videolb server enable IP");
        return ExitCode.USAGE.code();
    }

    @Command(
            name = "drain",
            mixinStandardHelpOptions = true,
            description = {
                "Put a server into maintenance: weight 0 now (no new viewer), its live connections go on until they"
                        + " end or the deadline, then it is out of rotation until `server enable`. Its backup (if any)"
                        + " carries its weight meanwhile.",
                "Exit: 0 ok, 1 refused, 2 usage, 3 unreachable."
            })
    static final class Drain implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IP")
        String server;

        @Option(
                names = "--deadline",
                paramLabel = "D",
                description = "longest wait for live connections: 90s, 10m, 1h (0..24h; default 10m)")
        String deadline;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            CliVerbs v = api.verbs();
            return (v == null ? ExitCode.USAGE : v.serverDrain(server, deadline)).code();
        }
    }

    @Command(
            name = "enable",
            mixinStandardHelpOptions = true,
            description = {
                "Take a server out of maintenance: back in rotation with its configured weight.",
                "Exit: 0 ok, 1 refused, 2 usage, 3 unreachable."
            })
    static final class Enable implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "IP")
        String server;

        @Mixin
        ApiOptions api;

        @Override
        public Integer call() {
            CliVerbs v = api.verbs();
            return (v == null ? ExitCode.USAGE : v.serverEnable(server)).code();
        }
    }
}
