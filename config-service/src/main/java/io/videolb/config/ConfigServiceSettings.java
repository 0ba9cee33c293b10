package io.videolb.config;

import io.videolb.config.csv.CsvLimits;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.events.Topics;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.ServiceSettings;
import io.videolb.runtime.settings.ServiceSettingsBuilder;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of config-service, built with {@link #builder()} or read from the settings reader ({@link #read}).
 *
 * @param kafka        the broker and client properties
 * @param topics       topic names (prefix)
 * @param importDir    a CSV directory imported once at start (empty: none)
 * @param httpHost     address the HTTP endpoints bind to
 * @param httpPort     its port; 0 picks a free one, -1 disables HTTP
 * @param instanceId   names the Kafka clients; the transactional id is per installation (topic prefix)
 * @param limits       CSV size and row caps
 * @param startTimeout bound for reading the desired topic at start
 * @param adminApi     the admin API (token file, TLS, limits; its host and port are replaced by
 *                     httpHost/httpPort), or empty for only /health and /ready
 * @param historyRetention how long every generation stays retrievable from the history topic (its retention.ms is
 *                     set to twice this at start; docs/decisions.md 69)
 */
public record ConfigServiceSettings(
        KafkaConnection kafka,
        Topics topics,
        Optional<Path> importDir,
        String httpHost,
        int httpPort,
        String instanceId,
        CsvLimits limits,
        Duration startTimeout,
        Optional<AdminApiSettings> adminApi,
        Duration historyRetention)
        implements ServiceSettings {
    public static final int DEFAULT_HTTP_PORT = 8181;

    public static final Declarations DECLARED = new Declarations("config-service");
    public static final Setting<Path> CONFIG_DIR = DECLARED.add(Setting.path("VIDEOLB_CONFIG_DIR")
            .flag("--config")
            .describe("CSV directory imported once at start (unset: none)"));
    public static final Setting<String> HTTP_HOST = DECLARED.add(
            Setting.text("VIDEOLB_CONFIG_HTTP_HOST", "[A-Za-z0-9][A-Za-z0-9._:-]{0,252}", "a host name or address")
                    .documentedDefault("127.0.0.1, or VIDEOLB_API_HOST with a token file")
                    .describe("where the one HTTP port (admin API and page, /health, /ready) listens"));
    public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.integer("VIDEOLB_CONFIG_HTTP_PORT", -1, 65535)
            .flag("--http-port")
            .documentedDefault("8181, or VIDEOLB_API_PORT with a token file")
            .describe("the one HTTP port; 0 any, -1 off (standalone: --http-port)"));
    public static final Setting<Long> CSV_MAX_BYTES =
            DECLARED.add(Setting.longInteger("VIDEOLB_CSV_MAX_BYTES", 1, 1L << 40)
                    .defaultValue(CsvLimits.DEFAULT.maxFileBytes())
                    .describe("largest CSV file read, bytes"));
    public static final Setting<Integer> CSV_MAX_ROWS =
            DECLARED.add(Setting.integer("VIDEOLB_CSV_MAX_ROWS", 1, Integer.MAX_VALUE)
                    .defaultValue(CsvLimits.DEFAULT.maxRows())
                    .describe("most rows of one CSV file"));

    public static final Setting<Duration> HISTORY_RETENTION =
            DECLARED.add(Setting.duration("VIDEOLB_HISTORY_RETENTION_DAYS", java.time.temporal.ChronoUnit.DAYS, 1, 3650)
                    .defaultValue(Duration.ofDays(30), "30")
                    .describe("how long every desired-state generation stays retrievable (history, rollback); the"
                            + " history topic keeps twice this"));

    public ConfigServiceSettings {
        adminApi = adminApi == null ? Optional.empty() : adminApi;
        if (adminApi.isPresent() && httpPort == -1) {
            throw new IllegalArgumentException("the admin API needs the HTTP port: http port is -1 (off)");
        }
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        importDir = importDir == null ? Optional.empty() : importDir;
        Objects.requireNonNull(httpHost, "httpHost");
        if (httpPort < -1 || httpPort > 65535)
            throw new IllegalArgumentException("http port must be -1..65535, got " + httpPort);
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(historyRetention, "historyRetention");
        if (historyRetention.isNegative() || historyRetention.isZero())
            throw new IllegalArgumentException("history retention must be > 0, got " + historyRetention);
    }

    /**
     * The settings of this process: every {@link #DECLARED} setting, the admin API's ({@link AdminApiSettings#read}) and the
     * common ones. With a token file the one port is the API's (VIDEOLB_API_HOST, VIDEOLB_API_PORT) unless
     * VIDEOLB_CONFIG_HTTP_HOST/PORT (or --http-port) say otherwise.
     */
    public static ConfigServiceSettings read(SettingsReader r) {
        return read(r, AdminApiSettings.read(r));
    }

    /** As {@link #read(SettingsReader)} with the admin API given (standalone: with its generated token file). */
    public static ConfigServiceSettings read(SettingsReader r, Optional<AdminApiSettings> api) {
        String host = r.find(HTTP_HOST).orElse(api.map(AdminApiSettings::host).orElse("127.0.0.1"));
        int port = r.find(HTTP_PORT).orElse(api.map(AdminApiSettings::port).orElse(DEFAULT_HTTP_PORT));
        return builder()
                .readCommon(r)
                .importDir(r.find(CONFIG_DIR).orElse(null))
                .httpHost(host)
                .httpPort(port)
                .limits(new CsvLimits(r.get(CSV_MAX_BYTES), r.get(CSV_MAX_ROWS)))
                .adminApi(api.orElse(null))
                .historyRetention(r.get(HISTORY_RETENTION))
                .build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder().copyOf(this);
        b.importDir = importDir.orElse(null);
        b.instanceId = instanceId;
        b.limits = limits;
        b.startTimeout = startTimeout;
        b.adminApi = adminApi.orElse(null);
        b.historyRetention = historyRetention;
        return b;
    }

    /** Builds {@link ConfigServiceSettings}: topics videolb.*, no import, HTTP on 127.0.0.1:8181, 64 MiB / 2M rows, 120 s start. */
    public static final class Builder extends ServiceSettingsBuilder<Builder> {
        private Path importDir;
        private String instanceId = "config-service";
        private CsvLimits limits = CsvLimits.DEFAULT;
        private Duration startTimeout = Duration.ofSeconds(120);
        private AdminApiSettings adminApi;
        private Duration historyRetention = Duration.ofDays(30);

        private Builder() {
            super("127.0.0.1", DEFAULT_HTTP_PORT);
        }

        /** null: no import at start. */
        public Builder importDir(Path v) {
            importDir = v;
            return this;
        }

        public Builder instanceId(String v) {
            instanceId = v;
            return this;
        }

        public Builder limits(CsvLimits v) {
            limits = v;
            return this;
        }

        public Builder startTimeout(Duration v) {
            startTimeout = v;
            return this;
        }
        /** Serves the admin API on this service's HTTP port (host and port of {@code api} are ignored); null: none. */
        public Builder adminApi(AdminApiSettings v) {
            adminApi = v;
            return this;
        }

        public Builder historyRetention(Duration v) {
            historyRetention = v;
            return this;
        }

        public ConfigServiceSettings build() {
            return new ConfigServiceSettings(
                    kafka(),
                    topics(),
                    Optional.ofNullable(importDir),
                    httpHost(),
                    httpPort(),
                    instanceId,
                    limits,
                    startTimeout,
                    Optional.ofNullable(adminApi),
                    historyRetention);
        }
    }
}
