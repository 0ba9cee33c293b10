package io.videolb.app;

import io.videolb.config.ConfigService;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb config-service}: the desired-state publisher and the admin API against a real broker. */
@Command(
        name = "config-service",
        mixinStandardHelpOptions = true,
        description = {
            "Run config-service: imports --config once at start, serves the admin API and page (with a token file),"
                    + " /health and /ready on one port. Other settings from VIDEOLB_* or --settings FILE (docs/settings.md).",
            "Exit: 0 after SIGTERM/SIGINT (or --print-settings), 1 start failed (e.g. invalid --config), 2 usage."
        })
final class ConfigServiceCommand extends ServiceCommand {
    @Option(
            names = "--config",
            paramLabel = "DIR",
            description = "CSV directory imported once at start. Default: $VIDEOLB_CONFIG_DIR, none.")
    Path config;

    @Option(
            names = "--http-port",
            paramLabel = "N",
            description =
                    "The one HTTP port (API, page, /health, /ready); 0 = any. Default: 8181, or $VIDEOLB_API_PORT with a token file.")
    Integer httpPort;

    @Option(
            names = "--api-tokens",
            paramLabel = "FILE",
            description =
                    "Admin API token file (name:role:sha256hex); without one, only /health and /ready. Default: $VIDEOLB_API_TOKENS.")
    Path apiTokens;

    ConfigServiceCommand() {
        super("config-service");
    }

    @Override
    void flags(SettingsReader.Builder sources) {
        sources.flag("--config", config).flag("--http-port", httpPort).flag("--api-tokens", apiTokens);
    }

    @Override
    List<Declarations> ownDeclarations() {
        return List.of(ConfigServiceSettings.DECLARED, AdminApiSettings.DECLARED);
    }

    @Override
    ConfigServiceSettings settings(SettingsReader r) {
        return ConfigServiceSettings.read(r);
    }

    @Override
    ServiceRunner.Started start(SettingsReader r, ServiceRuntime runtime) {
        ConfigServiceSettings c = settings(r);
        ConfigService s = runtime.deploy(new ConfigService(c, runtime));
        return new ServiceRunner.Running(
                "generation " + s.publisher().generation() + ", http://" + c.httpHost() + ":" + s.httpPort() + "/"
                        + (s.adminApi() ? " (admin API)" : " (/health, /ready, /metrics only)"),
                runtime);
    }
}
