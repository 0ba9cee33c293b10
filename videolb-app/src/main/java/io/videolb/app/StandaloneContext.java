package io.videolb.app;

import java.nio.file.Path;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaSettings;

/**
 * What the standalone composition root hands to each service it creates.
 *
 * @param bootstrapServers the embedded broker's {@code HOST:PORT}
 * @param topics           topic names of this installation
 * @param configDir        the operator's CSV directory ({@code --config})
 * @param dataDir          the process's data directory ({@code --data-dir}); the broker keeps its
 *                         log in {@code dataDir/kafka}, services may use other sub-directories
 * @param httpPort         admin HTTP port ({@code --http-port})
 */
public record StandaloneContext(String bootstrapServers, Topics topics, Path configDir, Path dataDir, int httpPort) {

    /** Client settings for one service, e.g. {@code kafka("config-service")}. */
    public KafkaSettings kafka(String clientId) {
        return KafkaSettings.of(bootstrapServers, clientId);
    }
}
