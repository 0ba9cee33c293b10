package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.SettingsReader;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb agent}: the ipvs-agent of this director. */
@Command(
        name = "agent",
        mixinStandardHelpOptions = true,
        description = {
            "Run the ipvs-agent: makes this director's kernel (ipset, one iptables rule, IPVS) match the desired state."
                    + " Other settings from VIDEOLB_* or --settings FILE (docs/settings.md).",
            "Exit: 0 after SIGTERM/SIGINT (or --print-settings), 1 start failed, 2 usage."
        })
final class AgentCommand extends ServiceCommand {
    @Option(
            names = "--http-port",
            paramLabel = "N",
            description = "/metrics and /health port; -1 off, 0 any. Default: $VIDEOLB_HTTP_PORT or 9102.")
    Integer httpPort;

    @Option(
            names = "--plan-only",
            description = "Compute and log the kernel changes, apply nothing (also $VIDEOLB_PLAN_ONLY=true).")
    boolean planOnly;

    AgentCommand() {
        super("agent");
    }

    @Override
    void flags(SettingsReader.Builder sources) {
        sources.flag("--http-port", httpPort).flag("--plan-only", planOnly ? "true" : null);
    }

    @Override
    List<Declarations> ownDeclarations() {
        return List.of(AgentSettings.DECLARED);
    }

    @Override
    AgentSettings settings(SettingsReader r) {
        return AgentSettings.read(r);
    }

    @Override
    ServiceRunner.Started start(SettingsReader r, ServiceRuntime runtime) throws Exception {
        AgentSettings c = settings(r);
        IpvsAgent a = runtime.deploy(new IpvsAgent(c, runtime));
        return new ServiceRunner.Running(
                "director " + c.director() + ", mode " + a.capabilities().mode().label() + ", http port "
                        + a.httpPort(),
                runtime);
    }
}
