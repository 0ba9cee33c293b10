package io.videolb.app;

import io.videolb.alert.AlertService;
import io.videolb.alert.AlertSettings;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.SettingsReader;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb alert}: operator mail, one per incident. SMTP settings only from the environment or the settings file. */
@Command(
        name = "alert",
        mixinStandardHelpOptions = true,
        subcommands = {AlertRetryCommand.class},
        description = {
            "Run alert-service: one mail per incident to mailid of param.csv. SMTP from VIDEOLB_ALERT_SMTP_* (never from"
                    + " the command line); without VIDEOLB_ALERT_SMTP_HOST mails are written as .eml files into VIDEOLB_ALERT_SINK_DIR.",
            "Exit: 0 after SIGTERM/SIGINT (or --print-settings), 1 start failed, 2 usage.",
            "`videolb alert retry` sends the mails the relay refused permanently (dead letters) again."
        })
final class AlertCommand extends ServiceCommand {
    @Option(
            names = "--http-port",
            paramLabel = "N",
            description = "/metrics and /health port; 0 any. Default: from $VIDEOLB_ALERT_HTTP or 8093.")
    Integer httpPort;

    AlertCommand() {
        super("alert");
    }

    @Override
    void flags(SettingsReader.Builder sources) {
        sources.flag("--http-port", httpPort);
    }

    @Override
    List<Declarations> ownDeclarations() {
        return List.of(AlertSettings.DECLARED);
    }

    @Override
    AlertSettings settings(SettingsReader r) {
        return AlertSettings.read(r);
    }

    @Override
    ServiceRunner.Started start(SettingsReader r, ServiceRuntime runtime) {
        AlertSettings c = settings(r);
        AlertService a = runtime.deploy(new AlertService(c, runtime));
        return new ServiceRunner.Running(
                c.smtp().map(s -> "smtp " + s.host() + ":" + s.port()).orElse("mail folder " + c.sinkDir())
                        + ", http port " + a.httpPort(),
                runtime);
    }
}
