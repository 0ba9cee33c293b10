package io.videolb.runtime.settings;

import io.videolb.kafka.KafkaClientProperties;
import io.videolb.kafka.KafkaSettings;
import java.util.Objects;

/**
 * Where the broker is and how to talk to it: the bootstrap servers and the operator's client
 * properties (SASL, TLS), shared by every Kafka client of one service.
 */
public record KafkaConnection(String bootstrapServers, KafkaClientProperties clientProperties) {
    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers must be set");
        Objects.requireNonNull(clientProperties, "clientProperties");
    }

    /** A plain connection (no client properties): tests, the embedded broker. */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, KafkaClientProperties.NONE);
    }

    /** Client settings named {@code clientId} on this connection. */
    public KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrapServers, clientId, clientProperties);
    }
}
