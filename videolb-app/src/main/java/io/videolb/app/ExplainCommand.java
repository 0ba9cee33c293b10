package io.videolb.app;

import io.videolb.config.client.AgentClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.SettingsReader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code videolb explain IP}. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {
            "Why a viewer address goes where it goes: client entry or network default, mark, pool, servers with health"
                    + " and backup (admin API); then which server holds its IPVS persistence (the director's agent, GET /persistence).",
            "Exit: 0 ok, 1 refused, 2 usage, 3 API unreachable or 5xx (the agent's answer never changes it)."
        })
final class ExplainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IP")
    String ip;

    @Option(
            names = "--agent",
            paramLabel = "URL",
            description =
                    "The director's ipvs-agent HTTP (http[s]://host[:port])." + " Default: $VIDEOLB_AGENT_URL, or "
                            + AgentClient.DEFAULT_URL + " (standalone: --http-port + 1, e.g. http://127.0.0.1:8481).")
    String agentUrl;

    @Mixin
    ApiOptions api;

    @Override
    public Integer call() {
        AgentClient agent;
        SettingsReader settings;
        try {
            settings = api.reader();
            agent = AgentClient.resolve(agentUrl, CliSettings.clientValues(settings));
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        CliVerbs v = api.verbs(settings);
        return (v == null ? ExitCode.USAGE : v.withAgent(agent).explain(ip)).code();
    }
}
