package io.videolb.app;

import java.util.concurrent.Callable;

import io.videolb.alert.AlertService;
import io.videolb.alert.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code videolb alert}: operator mail, one per incident. SMTP settings only from the environment. */
@Command(name = "alert", mixinStandardHelpOptions = true,
        description = {"Run alert-service: one mail per incident to mailid of param.csv. SMTP from VIDEOLB_ALERT_SMTP_* (never from"
                + " the command line); without VIDEOLB_ALERT_SMTP_HOST mails are written as .eml files into VIDEOLB_ALERT_SINK_DIR.",
                "Exit: 0 after SIGTERM/SIGINT, 1 start failed, 2 usage."})
final class AlertCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--http-port", paramLabel = "N", description = "/metrics and /health port; 0 any. Default: from $VIDEOLB_ALERT_HTTP or 8093.")
    Integer httpPort;

    @Override
    public Integer call() {
        return ServiceRunner.run("alert", () -> {
            Config c = Config.fromEnv(kafka.serviceEnv(System.getenv()));
            if (httpPort != null) c = c.withHttp(c.httpHost(), httpPort);
            AlertService a = new AlertService(c).start();
            String summary = c.smtp().map(s -> "smtp " + s.host() + ":" + s.port()).orElse("mail folder " + c.sinkDir())
                    + ", http port " + a.httpPort();
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
