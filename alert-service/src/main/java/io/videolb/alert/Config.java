package io.videolb.alert;

import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.Topics;
import io.videolb.model.MailAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the alert service. SMTP host, port and credentials come from here or the
 * environment ({@link #fromEnv}), never from command-line arguments.
 *
 * @param instanceId   names the Kafka transactional id; one running instance per id and topic prefix
 * @param httpPort     /metrics and /health (0: any free port)
 * @param from         sender address; its domain also ends every Message-ID
 * @param extraTo      recipients in addition to {@code mailid} of param.csv
 * @param smtp         empty: write each mail as .eml into {@code sinkDir} (standalone fallback)
 */
public record Config(
        String bootstrapServers,
        Topics topics,
        String instanceId,
        String httpHost,
        int httpPort,
        MailAddress from,
        List<MailAddress> extraTo,
        Optional<SmtpSettings> smtp,
        Path sinkDir,
        AlertBook.Settings alerting,
        Duration retryBase,
        Duration retryMax,
        Duration sendTimeout) {

    public Config {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topics, "topics");
        if (instanceId == null || !instanceId.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("instanceId: 1..64 of [A-Za-z0-9._-]");
        Objects.requireNonNull(httpHost, "httpHost");
        if (httpPort < 0 || httpPort > 65535) throw new IllegalArgumentException("httpPort: must be 0..65535");
        Objects.requireNonNull(from, "from");
        extraTo = extraTo == null ? List.of() : List.copyOf(extraTo);
        smtp = smtp == null ? Optional.empty() : smtp;
        Objects.requireNonNull(sinkDir, "sinkDir");
        Objects.requireNonNull(alerting, "alerting");
        if (retryBase.isNegative() || retryBase.isZero() || retryMax.compareTo(retryBase) < 0) throw new IllegalArgumentException("retry: need 0 < retryBase <= retryMax");
        if (sendTimeout.isNegative() || sendTimeout.isZero()) throw new IllegalArgumentException("sendTimeout: must be > 0");
    }

    /** Defaults: local broker, prefix videolb, HTTP on 127.0.0.1:8093, folder sink in ./alert-mail. */
    public static Config defaults(String bootstrapServers, Topics topics) {
        return new Config(bootstrapServers, topics, "alert-1", "127.0.0.1", 8093, MailAddress.parse("videolb@localhost.localdomain"),
                List.of(), Optional.empty(), Path.of("alert-mail"), AlertBook.Settings.defaults(),
                Duration.ofSeconds(2), Duration.ofMinutes(5), Duration.ofSeconds(60));
    }

    public Config withSmtp(SmtpSettings s) {
        return new Config(bootstrapServers, topics, instanceId, httpHost, httpPort, from, extraTo, Optional.ofNullable(s), sinkDir, alerting, retryBase, retryMax, sendTimeout);
    }

    public Config withHttp(String host, int port) {
        return new Config(bootstrapServers, topics, instanceId, host, port, from, extraTo, smtp, sinkDir, alerting, retryBase, retryMax, sendTimeout);
    }

    public Config withAlerting(AlertBook.Settings a) {
        return new Config(bootstrapServers, topics, instanceId, httpHost, httpPort, from, extraTo, smtp, sinkDir, a, retryBase, retryMax, sendTimeout);
    }

    public Config withRetry(Duration base, Duration max, Duration timeout) {
        return new Config(bootstrapServers, topics, instanceId, httpHost, httpPort, from, extraTo, smtp, sinkDir, alerting, base, max, timeout);
    }

    public Config withMail(MailAddress sender, List<MailAddress> to, Path sink) {
        return new Config(bootstrapServers, topics, instanceId, httpHost, httpPort, sender, to, smtp, sink, alerting, retryBase, retryMax, sendTimeout);
    }

    /**
     * Reads the settings from environment variables; every error names the variable.
     * <pre>
     * VIDEOLB_KAFKA_BOOTSTRAP (required)      VIDEOLB_TOPIC_PREFIX (videolb)
     * VIDEOLB_ALERT_INSTANCE (alert-1)        VIDEOLB_ALERT_HTTP (127.0.0.1:8093)
     * VIDEOLB_ALERT_FROM                      VIDEOLB_ALERT_TO (comma-separated, extra recipients)
     * VIDEOLB_ALERT_SMTP_HOST (unset: folder sink)  VIDEOLB_ALERT_SMTP_PORT (587 / 465)
     * VIDEOLB_ALERT_SMTP_TLS (STARTTLS|IMPLICIT|NONE)  VIDEOLB_ALERT_SMTP_USER
     * VIDEOLB_ALERT_SMTP_PASSWORD or VIDEOLB_ALERT_SMTP_PASSWORD_FILE
     * VIDEOLB_ALERT_SINK_DIR (alert-mail)     VIDEOLB_ALERT_GROUP_SECONDS (10)
     * VIDEOLB_ALERT_REPEAT_SECONDS (3600)     VIDEOLB_ALERT_FLAP_SECONDS (600), VIDEOLB_ALERT_FLAP_CHANGES (4)
     * </pre>
     */
    public static Config fromEnv(Map<String, String> env) {
        String bootstrap = required(env, "VIDEOLB_KAFKA_BOOTSTRAP");
        Topics topics = new Topics(env.getOrDefault("VIDEOLB_TOPIC_PREFIX", "videolb"));
        Config c = defaults(bootstrap, topics);
        String instance = env.getOrDefault("VIDEOLB_ALERT_INSTANCE", c.instanceId());
        String http = env.getOrDefault("VIDEOLB_ALERT_HTTP", c.httpHost() + ":" + c.httpPort());
        int colon = http.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("VIDEOLB_ALERT_HTTP: expected HOST:PORT");
        int httpPort = intVar("VIDEOLB_ALERT_HTTP", http.substring(colon + 1), 0, 65535);
        MailAddress from = address("VIDEOLB_ALERT_FROM", env.getOrDefault("VIDEOLB_ALERT_FROM", c.from().value()));
        List<MailAddress> to = new ArrayList<>();
        String toText = env.get("VIDEOLB_ALERT_TO");
        if (toText != null && !toText.isBlank()) for (String a : toText.split(",")) to.add(address("VIDEOLB_ALERT_TO", a.trim()));
        SmtpSettings smtp = null;
        String host = env.get("VIDEOLB_ALERT_SMTP_HOST");
        if (host != null && !host.isBlank()) {
            SmtpSettings.Tls tls;
            try {
                tls = SmtpSettings.Tls.valueOf(env.getOrDefault("VIDEOLB_ALERT_SMTP_TLS", "STARTTLS"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("VIDEOLB_ALERT_SMTP_TLS: must be STARTTLS, IMPLICIT or NONE");
            }
            int port = intVar("VIDEOLB_ALERT_SMTP_PORT", env.getOrDefault("VIDEOLB_ALERT_SMTP_PORT", tls == SmtpSettings.Tls.IMPLICIT ? "465" : "587"), 1, 65535);
            String user = env.get("VIDEOLB_ALERT_SMTP_USER");
            String password = env.get("VIDEOLB_ALERT_SMTP_PASSWORD");
            String pwFile = env.get("VIDEOLB_ALERT_SMTP_PASSWORD_FILE");
            if (password == null && pwFile != null) {
                try {
                    password = java.nio.file.Files.readString(Path.of(pwFile)).strip();
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("VIDEOLB_ALERT_SMTP_PASSWORD_FILE: cannot read " + pwFile + ": " + e.getMessage());
                }
            }
            try {
                smtp = new SmtpSettings(host.strip(), port, tls, user, password);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("VIDEOLB_ALERT_SMTP_*: " + e.getMessage());
            }
        }
        AlertBook.Settings a = new AlertBook.Settings(
                Duration.ofSeconds(intVar("VIDEOLB_ALERT_GROUP_SECONDS", env.getOrDefault("VIDEOLB_ALERT_GROUP_SECONDS", "10"), 0, 86400)),
                Duration.ofSeconds(intVar("VIDEOLB_ALERT_REPEAT_SECONDS", env.getOrDefault("VIDEOLB_ALERT_REPEAT_SECONDS", "3600"), 1, 7 * 86400)),
                Duration.ofSeconds(intVar("VIDEOLB_ALERT_FLAP_SECONDS", env.getOrDefault("VIDEOLB_ALERT_FLAP_SECONDS", "600"), 0, 86400)),
                intVar("VIDEOLB_ALERT_FLAP_CHANGES", env.getOrDefault("VIDEOLB_ALERT_FLAP_CHANGES", "4"), 2, 1000));
        return new Config(bootstrap, topics, instance, http.substring(0, colon), httpPort, from, to, Optional.ofNullable(smtp),
                Path.of(env.getOrDefault("VIDEOLB_ALERT_SINK_DIR", "alert-mail")), a, c.retryBase(), c.retryMax(), c.sendTimeout());
    }

    private static String required(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) throw new IllegalArgumentException(name + ": required");
        return v.strip();
    }

    private static int intVar(String name, String text, int min, int max) {
        try {
            int v = Integer.parseInt(text.strip());
            if (v < min || v > max) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": must be a whole number " + min + ".." + max);
        }
    }

    private static MailAddress address(String name, String text) {
        try {
            return MailAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
