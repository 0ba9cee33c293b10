package io.videolb.app;

import java.util.Map;

import io.videolb.health.HealthService;
import io.videolb.runtime.ServiceRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb health}: one health-service instance (several share the servers between them). */
@Command(name = "health", mixinStandardHelpOptions = true,
        description = {"Run health-service: probes every real and backup server (TCP, RTMP handshake, HLS) and publishes verdicts."
                + " Probe settings from VIDEOLB_HEALTH_* (see docs/cli.md).",
                "Exit: 0 after SIGTERM/SIGINT, 1 start failed, 2 usage."})
final class HealthCommand extends ServiceCommand {
    @Option(names = "--http-port", paramLabel = "N", description = "/metrics and /health port; 0 any. Default: $VIDEOLB_HEALTH_HTTP_PORT or 9103.")
    Integer httpPort;

    HealthCommand() {
        super("health");
    }

    @Override
    ServiceRunner.Started start(Map<String, String> env, ServiceRuntime runtime) throws Exception {
        HealthService.Config c = HealthService.Config.fromEnv(env);
        if (httpPort != null) c = c.withChecker(c.checkerId(), httpPort);
        HealthService h = runtime.deploy(new HealthService(c, runtime));
        return new ServiceRunner.Running("checker " + h.checkerId() + ", http port " + h.httpPort(), runtime);
    }
}
