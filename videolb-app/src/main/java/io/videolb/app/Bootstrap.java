package io.videolb.app;

import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the Kafka broker is, the same way for every subcommand and service: {@code --bootstrap},
 * else {@code VIDEOLB_BOOTSTRAP} (or its old name {@code VIDEOLB_KAFKA_BOOTSTRAP}, with a warning), else the
 * settings file, else the {@code kafka-bootstrap} file a running {@code videolb standalone} writes into its data
 * directory (the command's default for {@code VIDEOLB_BOOTSTRAP}); with that file, the client properties of the
 * standalone's local operator ({@code DATA-DIR/kafka-auth/videolb-operator.properties}) are the default of
 * {@code VIDEOLB_KAFKA_PROPERTIES}.
 */
final class Bootstrap {
    private Bootstrap() {}

    /**
     * Builds the reader of {@code sources}, with the {@code kafka-bootstrap} file of the data directory
     * ({@code --data-dir}, VIDEOLB_DATA_DIR) as the default of VIDEOLB_BOOTSTRAP when that file exists, and then
     * a standalone's topic replication (1) as the default of the VIDEOLB_TOPIC_* settings.
     */
    static SettingsReader withStandaloneFallback(SettingsReader.Builder sources) {
        SettingsReader given = sources.build();
        Path dataDir = given.get(CliSettings.DATA_DIR);
        Path key = dataDir.resolve(StandaloneRuntime.GENERATION_KEY_FILE);
        if (Files.isRegularFile(key, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // the standalone's generation key: its commands sign (import) and verify (plan) as its services do
            sources.defaultValue(CommonSettings.GENERATION_KEY_FILE, key, key.toString());
            sources.defaultValue(CommonSettings.GENERATION_SIGNATURES_REQUIRED, true, key.toString());
        }
        Path file = dataDir.resolve(StandaloneRuntime.BOOTSTRAP_FILE);
        Path operator = StandaloneKafkaAuth.operatorProperties(dataDir);
        if (Files.isRegularFile(file)
                && Files.isReadable(operator)
                && CommonSettings.bootstrap(given).isEmpty()) {
            // the standalone's broker takes only authenticated clients: its local operator's credentials
            sources.defaultValue(CommonSettings.KAFKA_PROPERTIES, operator, operator + " (standalone's operator)");
        }
        if (Files.isRegularFile(file)) {
            try {
                boolean standalonesBroker =
                        CommonSettings.bootstrap(sources.build()).isEmpty();
                sources.defaultValue(
                        CommonSettings.BOOTSTRAP,
                        Files.readString(file, StandardCharsets.UTF_8).strip(),
                        file.toString());
                if (standalonesBroker) {
                    // the broker is the standalone's, one broker: its topics have one replica (decision 82)
                    String origin = file + " (a standalone: one broker)";
                    sources.defaultValue(CommonSettings.TOPIC_REPLICATION_FACTOR, 1, origin)
                            .defaultValue(CommonSettings.TOPIC_MIN_INSYNC_REPLICAS, 1, origin)
                            .defaultValue(CommonSettings.TOPIC_SINGLE_REPLICA_ALLOWED, true, origin);
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
        return sources.build();
    }

    /** The bootstrap servers, or an {@link IllegalArgumentException} saying where it looked. */
    static String resolve(SettingsReader r) {
        return CommonSettings.bootstrap(r)
                .orElseThrow(() -> new IllegalArgumentException(
                        "no Kafka broker given: use --bootstrap HOST:PORT, set VIDEOLB_BOOTSTRAP, or start `videolb standalone` (it writes "
                                + r.get(CliSettings.DATA_DIR).resolve(StandaloneRuntime.BOOTSTRAP_FILE) + ")"));
    }
}
