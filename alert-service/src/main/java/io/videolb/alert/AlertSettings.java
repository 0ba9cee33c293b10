package io.videolb.alert;

import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.Topics;
import io.videolb.model.MailAddress;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.HostPort;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.ServiceSettings;
import io.videolb.runtime.settings.ServiceSettingsBuilder;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the alert service, built with {@link #builder()} or read from the settings reader ({@link #read}).
 * SMTP host, port and credentials come from the environment or the settings file, never from
 * command-line arguments.
 *
 * @param instanceId   names the Kafka transactional id; one running instance per id and topic prefix
 * @param httpPort     /metrics and /health (0: any free port)
 * @param from         sender address; its domain also ends every Message-ID
 * @param extraTo      recipients in addition to {@code mailid} of param.csv
 * @param smtp         empty: write each mail as .eml into {@code sinkDir} (standalone fallback)
 * @param bounds       the declared bounds of the director conditions (silent, behind, drain, split brain, takeover)
 * @param outboxMax    most mails held (pending and dead-lettered); at the bound no new mail is composed: the
 *                     incident changes wait in the incident book and go, coalesced, into the next mail
 */
public record AlertSettings(
        KafkaConnection kafka,
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
        Duration sendTimeout,
        Facts.Bounds bounds,
        int outboxMax)
        implements ServiceSettings {

    public static final Declarations DECLARED = new Declarations("alert");
    public static final Setting<String> INSTANCE =
            DECLARED.add(Setting.text("VIDEOLB_ALERT_INSTANCE", "[A-Za-z0-9._-]{1,64}", "1..64 of A-Z a-z 0-9 . _ -")
                    .defaultValue("alert-1")
                    .describe("names the transactional id: one running instance per id and topic prefix"));
    public static final Setting<HostPort> HTTP = DECLARED.add(Setting.hostPort("VIDEOLB_ALERT_HTTP", 0)
            .defaultValue(new HostPort("127.0.0.1", 8093))
            .describe("where /metrics and /health listen"));
    public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.integer(null, 0, 65535)
            .flag("--http-port")
            .describe("replaces the port of VIDEOLB_ALERT_HTTP (standalone: --http-port + 3)"));
    public static final Setting<MailAddress> FROM = DECLARED.add(Setting.mail("VIDEOLB_ALERT_FROM")
            .defaultValue(MailAddress.parse("videolb@localhost.localdomain"))
            .describe("sender address; its domain ends every Message-ID"));
    public static final Setting<List<MailAddress>> TO = DECLARED.add(
            Setting.mailList("VIDEOLB_ALERT_TO").describe("recipients in addition to mailid of param.csv"));
    public static final Setting<String> SMTP_HOST = DECLARED.add(
            Setting.text("VIDEOLB_ALERT_SMTP_HOST", "[A-Za-z0-9][A-Za-z0-9.-]{0,252}", "a host name or IPv4 address")
                    .describe("SMTP server; unset: mails are written as .eml files into VIDEOLB_ALERT_SINK_DIR"));
    public static final Setting<SmtpSettings.Tls> SMTP_TLS =
            DECLARED.add(Setting.oneOf("VIDEOLB_ALERT_SMTP_TLS", SmtpSettings.Tls.class)
                    .defaultValue(SmtpSettings.Tls.STARTTLS)
                    .describe("STARTTLS (587), IMPLICIT (465) or NONE (loopback relay only)"));
    public static final Setting<Integer> SMTP_PORT = DECLARED.add(Setting.integer("VIDEOLB_ALERT_SMTP_PORT", 1, 65535)
            .documentedDefault("587, 465 with IMPLICIT")
            .describe("SMTP port"));
    public static final Setting<String> SMTP_USER = DECLARED.add(Setting.text(
                    "VIDEOLB_ALERT_SMTP_USER", "[^\\p{Cntrl}]{1,256}", "1..256 characters without control characters")
            .describe("SMTP user (with the password; unset: no login)"));
    public static final Setting<String> SMTP_PASSWORD = DECLARED.add(Setting.secretText("VIDEOLB_ALERT_SMTP_PASSWORD")
            .describe("SMTP password; or VIDEOLB_ALERT_SMTP_PASSWORD_FILE, a file holding it"));
    public static final Setting<Path> SINK_DIR = DECLARED.add(Setting.path("VIDEOLB_ALERT_SINK_DIR")
            .defaultValue(Path.of("alert-mail"))
            .describe("folder of .eml files without SMTP (standalone: DATA-DIR/alert-mail)"));
    public static final Setting<Duration> GROUP =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_GROUP_SECONDS", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofSeconds(10))
                    .describe("changes within this window go into one mail"));
    public static final Setting<Duration> REPEAT =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_REPEAT_SECONDS", ChronoUnit.SECONDS, 1, 7 * 86_400)
                    .defaultValue(Duration.ofSeconds(3600))
                    .describe("reminder interval of an open incident"));
    public static final Setting<Duration> FLAP_WINDOW =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_FLAP_SECONDS", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofSeconds(600))
                    .describe("window of the flapping detection"));
    public static final Setting<Integer> FLAP_CHANGES =
            DECLARED.add(Setting.integer("VIDEOLB_ALERT_FLAP_CHANGES", 2, 1000)
                    .defaultValue(4)
                    .describe("changes within the flap window that make a server flapping"));
    public static final Setting<Duration> AGENT_SILENT =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_AGENT_SILENT_SECONDS", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(Duration.ofSeconds(120))
                    .describe("no agent status for longer than this: director silent (agents publish at least every"
                            + " VIDEOLB_RESYNC_S)"));
    public static final Setting<Duration> AGENT_BEHIND =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_AGENT_BEHIND_SECONDS", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(Duration.ofSeconds(300))
                    .describe("applied generation below the desired one for longer than this: director behind"));
    public static final Setting<Duration> DRAIN_WARN =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_DRAIN_WARN_SECONDS", ChronoUnit.SECONDS, 0, 86_400)
                    .defaultValue(Duration.ofSeconds(300))
                    .describe("a drain this close to its deadline with viewers still on it is alerted"));
    public static final Setting<Duration> SPLIT_BRAIN =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_SPLIT_BRAIN_MS", ChronoUnit.MILLIS, 0, 60_000)
                    .defaultValue(Duration.ofSeconds(2))
                    .describe("two directors holding the VIP for longer than this: split brain (mailed at once)"));
    public static final Setting<Duration> TAKEOVER_NOTICE =
            DECLARED.add(Setting.duration("VIDEOLB_ALERT_TAKEOVER_NOTICE_SECONDS", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(Duration.ofSeconds(600))
                    .describe("a director takeover younger than this is mailed (once); older ones are history"));
    public static final Setting<Integer> OUTBOX_MAX =
            DECLARED.add(Setting.integer("VIDEOLB_ALERT_OUTBOX_MAX", 1, 10_000)
                    .defaultValue(100)
                    .describe("most mails held (pending and dead-lettered); at the bound changes are coalesced into"
                            + " the next mail"));

    public AlertSettings {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        if (instanceId == null || !instanceId.matches("[A-Za-z0-9._-]{1,64}"))
            throw new IllegalArgumentException("instanceId: 1..64 of [A-Za-z0-9._-]");
        Objects.requireNonNull(httpHost, "httpHost");
        if (httpPort < 0 || httpPort > 65535) throw new IllegalArgumentException("httpPort: must be 0..65535");
        Objects.requireNonNull(from, "from");
        extraTo = extraTo == null ? List.of() : List.copyOf(extraTo);
        smtp = smtp == null ? Optional.empty() : smtp;
        Objects.requireNonNull(sinkDir, "sinkDir");
        Objects.requireNonNull(alerting, "alerting");
        if (retryBase.isNegative() || retryBase.isZero() || retryMax.compareTo(retryBase) < 0)
            throw new IllegalArgumentException("retry: need 0 < retryBase <= retryMax");
        if (sendTimeout.isNegative() || sendTimeout.isZero())
            throw new IllegalArgumentException("sendTimeout: must be > 0");
        Objects.requireNonNull(bounds, "bounds");
        if (outboxMax < 1) throw new IllegalArgumentException("outboxMax: must be >= 1");
    }

    /** The settings of this process: every {@link #DECLARED} setting and the common ones (bootstrap required). */
    public static AlertSettings read(SettingsReader r) {
        HostPort http = r.get(HTTP);
        return builder()
                .readCommon(r)
                .instanceId(r.get(INSTANCE))
                .httpHost(http.host())
                .httpPort(r.find(HTTP_PORT).orElse(http.port()))
                .from(r.get(FROM))
                .extraTo(r.find(TO).orElse(List.of()))
                .smtp(smtp(r).orElse(null))
                .sinkDir(r.get(SINK_DIR))
                .alerting(new AlertBook.Settings(r.get(GROUP), r.get(REPEAT), r.get(FLAP_WINDOW), r.get(FLAP_CHANGES)))
                .bounds(new Facts.Bounds(
                        r.get(AGENT_SILENT),
                        r.get(AGENT_BEHIND),
                        r.get(DRAIN_WARN),
                        r.get(SPLIT_BRAIN),
                        r.get(TAKEOVER_NOTICE)))
                .outboxMax(r.get(OUTBOX_MAX))
                .build();
    }

    private static Optional<SmtpSettings> smtp(SettingsReader r) {
        SmtpSettings.Tls tls = r.get(SMTP_TLS);
        Optional<Integer> port = r.find(SMTP_PORT);
        Optional<String> user = r.find(SMTP_USER);
        Optional<String> password = r.find(SMTP_PASSWORD);
        Optional<String> host = r.find(SMTP_HOST);
        if (host.isEmpty()) return Optional.empty();
        try {
            return Optional.of(new SmtpSettings(
                    host.get(),
                    port.orElse(tls == SmtpSettings.Tls.IMPLICIT ? 465 : 587),
                    tls,
                    user.orElse(null),
                    password.orElse(null)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VIDEOLB_ALERT_SMTP_*: " + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder().copyOf(this);
        b.instanceId = instanceId;
        b.from = from;
        b.extraTo = extraTo;
        b.smtp = smtp.orElse(null);
        b.sinkDir = sinkDir;
        b.alerting = alerting;
        b.retryBase = retryBase;
        b.retryMax = retryMax;
        b.sendTimeout = sendTimeout;
        b.bounds = bounds;
        b.outboxMax = outboxMax;
        return b;
    }

    /** Builds {@link AlertSettings}: local defaults (instance alert-1, HTTP 127.0.0.1:8093, folder sink ./alert-mail); the broker is required. */
    public static final class Builder extends ServiceSettingsBuilder<Builder> {
        private String instanceId = "alert-1";
        private MailAddress from = MailAddress.parse("videolb@localhost.localdomain");
        private List<MailAddress> extraTo = List.of();
        private SmtpSettings smtp;
        private Path sinkDir = Path.of("alert-mail");
        private AlertBook.Settings alerting = AlertBook.Settings.defaults();
        private Duration retryBase = Duration.ofSeconds(2);
        private Duration retryMax = Duration.ofMinutes(5);
        private Duration sendTimeout = Duration.ofSeconds(60);
        private Facts.Bounds bounds = Facts.Bounds.defaults();
        private int outboxMax = 100;

        private Builder() {
            super("127.0.0.1", 8093);
        }

        public Builder instanceId(String v) {
            instanceId = v;
            return this;
        }

        public Builder from(MailAddress v) {
            from = v;
            return this;
        }

        public Builder extraTo(List<MailAddress> v) {
            extraTo = v;
            return this;
        }
        /** null: the folder sink. */
        public Builder smtp(SmtpSettings v) {
            smtp = v;
            return this;
        }

        public Builder sinkDir(Path v) {
            sinkDir = v;
            return this;
        }

        public Builder alerting(AlertBook.Settings v) {
            alerting = v;
            return this;
        }

        public Builder retryBase(Duration v) {
            retryBase = v;
            return this;
        }

        public Builder retryMax(Duration v) {
            retryMax = v;
            return this;
        }

        public Builder sendTimeout(Duration v) {
            sendTimeout = v;
            return this;
        }

        public Builder bounds(Facts.Bounds v) {
            bounds = v;
            return this;
        }

        public Builder outboxMax(int v) {
            outboxMax = v;
            return this;
        }

        public AlertSettings build() {
            return new AlertSettings(
                    kafka(),
                    topics(),
                    instanceId,
                    httpHost(),
                    httpPort(),
                    from,
                    extraTo,
                    Optional.ofNullable(smtp),
                    sinkDir,
                    alerting,
                    retryBase,
                    retryMax,
                    sendTimeout,
                    bounds,
                    outboxMax);
        }
    }
}
