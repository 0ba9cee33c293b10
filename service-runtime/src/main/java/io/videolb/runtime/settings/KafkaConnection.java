package io.videolb.runtime.settings;

import io.videolb.events.ReaderTrust;
import io.videolb.kafka.KafkaClientProperties;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicReplication;
import java.util.Objects;

/**
 * Where the broker is and how to talk to it: the bootstrap servers and the operator's client
 * properties (SASL, TLS), shared by every Kafka client of one service; the replication of the topics the service
 * creates ({@link io.videolb.kafka.TopicAdmin}); and what its readers trust on that channel (the keys of signed
 * generations, the health clock skew; issue 13).
 */
public record KafkaConnection(
        String bootstrapServers,
        KafkaClientProperties clientProperties,
        TopicReplication topicReplication,
        ReaderTrust trust) {
    public KafkaConnection {
        if (bootstrapServers == null || bootstrapServers.isBlank())
            throw new IllegalArgumentException("bootstrap servers must be set");
        Objects.requireNonNull(clientProperties, "clientProperties");
        Objects.requireNonNull(topicReplication, "topicReplication");
        Objects.requireNonNull(trust, "trust");
    }

    /** A connection whose readers accept unsigned generations only ({@link ReaderTrust#UNSIGNED}). */
    public KafkaConnection(
            String bootstrapServers, KafkaClientProperties clientProperties, TopicReplication topicReplication) {
        this(bootstrapServers, clientProperties, topicReplication, ReaderTrust.UNSIGNED);
    }

    /** This connection with {@code trust}. */
    public KafkaConnection withTrust(ReaderTrust trust) {
        return new KafkaConnection(bootstrapServers, clientProperties, topicReplication, trust);
    }

    /** This connection with another client identity ({@code clientProperties}: SASL, TLS), all else kept. */
    public KafkaConnection withClientProperties(KafkaClientProperties clientProperties) {
        return new KafkaConnection(bootstrapServers, clientProperties, topicReplication, trust);
    }

    /**
     * A plain connection to ONE broker (no client properties, {@link TopicReplication#SINGLE}, unsigned generations
     * only): tests, the embedded broker.
     */
    public static KafkaConnection plain(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, KafkaClientProperties.NONE, TopicReplication.SINGLE);
    }

    /** Client settings named {@code clientId} on this connection. */
    public KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrapServers, clientId, clientProperties);
    }
}
