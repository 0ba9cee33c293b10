package io.videolb.app;

import io.vertx.core.json.JsonObject;
import io.videolb.alert.AlertClient;
import io.videolb.config.client.AgentClient;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.SettingsReader;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code videolb alert retry}: mails refused permanently (dead letters) back into alert-service's queue. */
@Command(
        name = "retry",
        mixinStandardHelpOptions = true,
        description = {
            "Send the alert mails that the SMTP relay refused permanently (5xx; held as dead letters, shown on"
                    + " alert-service's /health) again: POST /outbox/retry on alert-service, which answers only on its"
                    + " own host (loopback).",
            "Exit: 0 requeued (also when there was nothing to retry), 1 refused, 2 usage, 3 alert-service unreachable or 5xx."
        })
final class AlertRetryCommand implements Callable<Integer> {
    @Option(
            names = "--alert",
            paramLabel = "URL",
            description = "alert-service HTTP (http[s]://host[:port]). Default: $VIDEOLB_ALERT_URL, or "
                    + AlertClient.DEFAULT_URL + " (standalone: --http-port + 3, e.g. http://127.0.0.1:8483).")
    String alertUrl;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description = "A KEY=VALUE file of VIDEOLB_* settings. Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    @Override
    public Integer call() {
        AlertClient client;
        try {
            SettingsReader r =
                    CliSettings.sources(settingsFile).flag("--alert", alertUrl).build();
            String url = r.find(CliSettings.ALERT_URL).orElse(AlertClient.DEFAULT_URL);
            String what = alertUrl != null
                    ? "--alert"
                    : r.find(CliSettings.ALERT_URL).isPresent() ? "VIDEOLB_ALERT_URL" : "alert URL";
            URI base = AgentClient.parseUrl(what, url);
            client = new AlertClient(base, Duration.ofSeconds(10));
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb alert retry: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        AlertClient.Response a;
        try {
            a = client.retryDeadLetters();
        } catch (IOException e) {
            Io.err.println(
                    "videolb alert retry: alert-service at " + client.base() + " unreachable: " + e.getMessage());
            return ExitCode.API_UNAVAILABLE.code();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCode.FAILED.code();
        }
        if (a.status() >= 500) {
            Io.err.println("videolb alert retry: alert-service answered " + a.status() + ": " + oneLine(a.body()));
            return ExitCode.API_UNAVAILABLE.code();
        }
        if (a.status() != 200) {
            Io.err.println("videolb alert retry: refused (" + a.status() + "): " + oneLine(a.body()));
            return ExitCode.FAILED.code();
        }
        try {
            JsonObject o = new JsonObject(a.body());
            Io.out.println(o.getLong("requeued", 0L) + " dead-lettered mail(s) back in the queue, "
                    + o.getLong("pending", 0L) + " pending, mail goes to " + oneLine(o.getString("mailTarget", "")));
        } catch (RuntimeException e) {
            Io.err.println("videolb alert retry: unexpected answer: " + oneLine(a.body()));
            return ExitCode.FAILED.code();
        }
        return ExitCode.OK.code();
    }

    private static String oneLine(String s) {
        String t = s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 300 ? t.substring(0, 300) + "..." : t;
    }
}
