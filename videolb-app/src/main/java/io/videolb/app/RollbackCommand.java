package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code videolb rollback N [--yes]}. */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description = {
            "Go back to what the CSV files described at generation N: prints the plan, asks, then publishes it as a"
                    + " new generation only if nothing was published since the plan. Maintenance in force is kept.",
            "Exit: 0 ok, 1 refused or not confirmed, 2 usage, 3 API unreachable or 5xx."
        })
final class RollbackCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "N")
    long generation;

    @Option(names = "--yes", description = "apply without asking")
    boolean yes;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        CliVerbs v = api.verbs();
        if (v == null) return ExitCode.USAGE.code();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        return v.rollback(generation, yes, in).code();
    }
}
