package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code videolb export DIR}. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write the four CSV files that reproduce the current desired state into DIR (importing them gives the same"
                    + " state; maintenance is not in them).",
            "Exit: 0 ok, 1 refused or DIR not writable, 2 usage, 3 API unreachable or 5xx."
        })
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR")
    Path dir;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        CliVerbs v = api.verbs();
        return (v == null ? ExitCode.USAGE : v.export(dir)).code();
    }
}
