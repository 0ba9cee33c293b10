package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code videolb status}. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Desired generation, each director's applied generation and errors, each server's health (admin API).",
            "Exit: 0 ok, 1 refused, 2 usage, 3 API unreachable or 5xx."
        })
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        CliVerbs v = api.verbs();
        return (v == null ? ExitCode.USAGE : v.status()).code();
    }
}
