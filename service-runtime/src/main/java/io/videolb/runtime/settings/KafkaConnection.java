package io.videolb.runtime.settings;

import io.videolb.kafka.KafkaClientProperties;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicReplication;
import java.util.Objects;

/**
 * Where the broker is and how to talk to it: the bootstrap servers and the operator's client
 * properties (SASL, TLS), shared by every Kafka client of one service, and the replication of the topics the service
 * creates ({@link io.videolb.kafka.TopicAdmin}).
 */
public record KafkaConnection(
        String bootstrapServers, KafkaClientProperties clientProperties, TopicReplication topicReplication) {
    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers must be set");
        Objects.requireNonNull(clientProperties, "clientProperties");
        Objects.requireNonNull(topicReplication, "topicReplication");
    }

    /** A plain connection to ONE broker (no client properties, {@link TopicReplication#SINGLE}): tests, the embedded broker. */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, KafkaClientProperties.NONE, TopicReplication.SINGLE);
    }

    /** Client settings named {@code clientId} on this connection. */
    public KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrapServers, clientId, clientProperties);
    }
}
