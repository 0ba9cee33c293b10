package io.videolb.app;

import java.util.Map;

import io.videolb.agent.Config;
import io.videolb.agent.IpvsAgent;
import io.videolb.runtime.ServiceRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb agent}: the ipvs-agent of this director. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run the ipvs-agent: makes this director's kernel (ipset, one iptables rule, IPVS) match the desired state."
                + " Other settings from VIDEOLB_* (see the ipvs-agent Config and docs/cli.md).",
                "Exit: 0 after SIGTERM/SIGINT, 1 start failed, 2 usage."})
final class AgentCommand extends ServiceCommand {
    @Option(names = "--http-port", paramLabel = "N", description = "/metrics and /health port; -1 off, 0 any. Default: $VIDEOLB_HTTP_PORT or 9102.")
    Integer httpPort;

    @Option(names = "--plan-only", description = "Compute and log the kernel changes, apply nothing (also $VIDEOLB_PLAN_ONLY=true).")
    boolean planOnly;

    AgentCommand() {
        super("agent");
    }

    @Override
    ServiceRunner.Started start(Map<String, String> env, ServiceRuntime runtime) throws Exception {
        Config c = Config.fromEnv(env);
        if (httpPort != null) c = c.withHttpPort(httpPort);
        if (planOnly) c = AgentMode.planOnly(c);
        IpvsAgent a = runtime.deploy(new IpvsAgent(c, runtime));
        return new ServiceRunner.Running("director " + c.director() + ", mode " + a.capabilities().mode().label() + ", http port " + a.httpPort(), runtime);
    }
}
