package io.videolb.app;

import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.SettingsReader;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb health}: one health-service instance (several share the servers between them). */
@Command(
        name = "health",
        mixinStandardHelpOptions = true,
        description = {
            "Run health-service: probes every real and backup server (TCP, RTMP handshake, HLS) and publishes verdicts."
                    + " Probe settings from VIDEOLB_HEALTH_* or --settings FILE (docs/settings.md).",
            "Exit: 0 after SIGTERM/SIGINT (or --print-settings), 1 start failed, 2 usage."
        })
final class HealthCommand extends ServiceCommand {
    @Option(
            names = "--http-port",
            paramLabel = "N",
            description = "/metrics and /health port; 0 any. Default: $VIDEOLB_HEALTH_HTTP_PORT or 9103.")
    Integer httpPort;

    HealthCommand() {
        super("health");
    }

    @Override
    void flags(SettingsReader.Builder sources) {
        sources.flag("--http-port", httpPort);
    }

    @Override
    List<Declarations> ownDeclarations() {
        return List.of(HealthServiceSettings.DECLARED);
    }

    @Override
    HealthServiceSettings settings(SettingsReader r) {
        return HealthServiceSettings.read(r);
    }

    @Override
    ServiceRunner.Started start(SettingsReader r, ServiceRuntime runtime) throws Exception {
        HealthService h = runtime.deploy(new HealthService(settings(r), runtime));
        return new ServiceRunner.Running("checker " + h.checkerId() + ", http port " + h.httpPort(), runtime);
    }
}
