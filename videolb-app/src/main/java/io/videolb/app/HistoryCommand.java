package io.videolb.app;

import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code videolb history}. */
@Command(
        name = "history",
        mixinStandardHelpOptions = true,
        description = {
            "The desired-state generations kept in the history (newest first): when, by whom, from what.",
            "Exit: 0 ok, 1 refused, 2 usage, 3 API unreachable or 5xx."
        })
final class HistoryCommand implements Callable<Integer> {
    @Option(names = "--limit", paramLabel = "N", description = "at most N generations (1..1000, default 50)")
    int limit = 50;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        CliVerbs v = api.verbs();
        return (v == null ? ExitCode.USAGE : v.history(limit)).code();
    }
}
