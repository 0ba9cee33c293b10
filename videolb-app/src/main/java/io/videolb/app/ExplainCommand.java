package io.videolb.app;

import java.util.concurrent.Callable;

import io.videolb.config.client.CliVerbs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code videolb explain IP}. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Why a viewer address goes where it goes: client entry or network default, mark, pool, servers with health"
                + " and backup (admin API).", "Exit: 0 ok, 1 refused, 2 usage, 3 API unreachable or 5xx."})
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IP")
    String ip;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        CliVerbs v = api.verbs(System.getenv());
        return v == null ? CliVerbs.USAGE : v.explain(ip);
    }
}
