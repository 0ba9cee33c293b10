package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.health.HealthServiceSettings;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of the {@code videolb} commands themselves (where a standalone keeps its data, how the CLI verbs
 * reach the admin API and the agent), and {@link #ALL}: every declared setting of every service, which is what a
 * settings file may hold and what {@code docs/settings.md} lists.
 */
final class CliSettings {
    static final Declarations DECLARED = new Declarations("videolb commands");
    static final Setting<Path> DATA_DIR = DECLARED.add(Setting.path("VIDEOLB_DATA_DIR")
            .flag("--data-dir")
            .defaultValue(Path.of(".videolb-data"))
            .describe("data directory of a standalone process (its kafka-bootstrap, admin-url and admin-token files)"));
    static final Setting<String> API =
            DECLARED.add(Setting.text("VIDEOLB_API", "https?://[^\\s]{1,250}", "an http:// or https:// URL")
                    .flag("--api")
                    .documentedDefault("DATA-DIR/admin-url, else http://127.0.0.1:8088")
                    .describe("admin API base URL of the CLI verbs"));
    static final Setting<String> TOKEN = DECLARED.add(
            Setting.secretText("VIDEOLB_TOKEN")
                    .describe(
                            "bearer token of the CLI verbs; or VIDEOLB_TOKEN_FILE (or --token-file), a file holding it; else DATA-DIR/admin-token"));
    static final Setting<Path> API_CA =
            DECLARED.add(Setting.path("VIDEOLB_API_CA").describe("PEM CA the CLI verbs trust for an https admin API"));
    static final Setting<String> AGENT_URL =
            DECLARED.add(Setting.text("VIDEOLB_AGENT_URL", "https?://[^\\s]{1,250}", "an http:// or https:// URL")
                    .flag("--agent")
                    .documentedDefault("http://127.0.0.1:9102")
                    .describe("the director's ipvs-agent HTTP, for `videolb explain`"));
    static final Setting<String> ALERT_URL =
            DECLARED.add(Setting.text("VIDEOLB_ALERT_URL", "https?://[^\\s]{1,250}", "an http:// or https:// URL")
                    .flag("--alert")
                    .documentedDefault("http://127.0.0.1:8093")
                    .describe("alert-service HTTP, for `videolb alert retry` (answered on loopback only)"));
    static final Setting<String> USER = DECLARED.add(Setting.of(
                    "USER",
                    "any text (other than 1..32 of A-Z a-z 0-9 . _ - reads as unknown)",
                    s -> s.matches("[A-Za-z0-9._-]{1,32}") ? s : "unknown")
            .defaultValue("unknown")
            .describe("who imports straight to Kafka (the audit actor cli:USER); set by the login shell"));

    /** Every declared setting, in the order docs/settings.md lists them. */
    static final List<Declarations> ALL = List.of(
            CommonSettings.DECLARED,
            ConfigServiceSettings.DECLARED,
            AdminApiSettings.DECLARED,
            HealthServiceSettings.DECLARED,
            AgentSettings.DECLARED,
            AlertSettings.DECLARED,
            DECLARED);

    private CliSettings() {}

    /** The process's sources (environment, {@code --settings FILE} or VIDEOLB_SETTINGS_FILE); the caller adds its flags. */
    static SettingsReader.Builder sources(Path settingsFile) {
        return SettingsReader.forProcess().settingsFile(settingsFile).known(ALL);
    }

    /**
     * What the admin and agent clients read ({@code VIDEOLB_API}, {@code VIDEOLB_TOKEN}, {@code VIDEOLB_API_CA},
     * {@code VIDEOLB_AGENT_URL}), as the effective values of those declared settings (unset ones absent).
     */
    static Map<String, String> clientValues(SettingsReader r) {
        Map<String, String> m = new HashMap<>();
        r.find(API).ifPresent(v -> m.put(API.name(), v));
        r.find(TOKEN).ifPresent(v -> m.put(TOKEN.name(), v));
        r.find(API_CA).ifPresent(v -> m.put(API_CA.name(), v.toString()));
        r.find(AGENT_URL).ifPresent(v -> m.put(AGENT_URL.name(), v));
        return m;
    }
}
