package io.videolb.app;

import java.util.concurrent.Callable;

import io.videolb.agent.Config;
import io.videolb.agent.IpvsAgent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code videolb agent}: the ipvs-agent of this director. */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"Run the ipvs-agent: makes this director's kernel (ipset, one iptables rule, IPVS) match the desired state."
                + " Other settings from VIDEOLB_* (see the ipvs-agent Config and docs/cli.md).",
                "Exit: 0 after SIGTERM/SIGINT, 1 start failed, 2 usage."})
final class AgentCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--http-port", paramLabel = "N", description = "/metrics and /health port; -1 off, 0 any. Default: $VIDEOLB_HTTP_PORT or 9102.")
    Integer httpPort;

    @Option(names = "--plan-only", description = "Compute and log the kernel changes, apply nothing (also $VIDEOLB_PLAN_ONLY=true).")
    boolean planOnly;

    @Override
    public Integer call() {
        return ServiceRunner.run("agent", () -> {
            Config c = Config.fromEnv(kafka.serviceEnv(System.getenv()));
            if (httpPort != null) c = c.withHttpPort(httpPort);
            if (planOnly) c = AgentMode.planOnly(c);
            IpvsAgent a = new IpvsAgent(c).start();
            String summary = "director " + c.director() + ", mode " + a.capabilities().mode() + ", http port " + a.httpPort();
            return new ServiceRunner.Started() {
                @Override
                public String summary() {
                    return summary;
                }

                @Override
                public void close() {
                    a.close();
                }
            };
        });
    }
}
