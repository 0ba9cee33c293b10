package io.videolb.kafka;

import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client properties every videolb service uses, built from a bootstrap string and a client id.
 * Keys and values are Strings (JSON is encoded by the contracts codec before it reaches Kafka).
 *
 * <ul>
 *   <li>{@link #producer()}: {@code acks=all}, idempotence on, bounded delivery (30 s) and
 *       blocking (30 s) timeouts.</li>
 *   <li>{@link #transactionalProducer(String)}: the same plus {@code transactional.id}.</li>
 *   <li>{@link #stateConsumer()}: no group, {@code read_committed}, no auto-commit: for readers
 *       that assign all partitions and seek to the beginning (never committed offsets).</li>
 *   <li>{@link #eventConsumer(String)}: a consumer group, {@code read_committed}, no auto-commit:
 *       the caller commits explicit offsets after its effect is done.</li>
 * </ul>
 * Every method returns a fresh {@link Properties} the caller may adjust. The operator's
 * {@link KafkaClientProperties} (SASL, TLS, tuning) are added to these; they may tune timeouts and
 * batching, but the safety ones (acks, idempotence, isolation level, auto-commit, ids, serde) cannot be changed.
 */
public final class KafkaSettings {
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    /** How long a produce may take end to end before it fails (delivery.timeout.ms). */
    public static final int DELIVERY_TIMEOUT_MS = 30_000;
    /** How long send()/partitionsFor/initTransactions may block (max.block.ms). */
    public static final int MAX_BLOCK_MS = 30_000;

    public static final int REQUEST_TIMEOUT_MS = 15_000;
    /** Default transaction timeout (transaction.timeout.ms): an import must commit within it. */
    public static final int TRANSACTION_TIMEOUT_MS = 120_000;

    private static final AtomicInteger SEQ = new AtomicInteger();

    private final String bootstrapServers;
    private final String clientId;
    private final KafkaClientProperties clientProperties;

    public KafkaSettings(String bootstrapServers, String clientId) {
        this(bootstrapServers, clientId, KafkaClientProperties.NONE);
    }

    /** @param clientProperties the operator's client properties (SASL, TLS, tuning), merged under videolb's own */
    public KafkaSettings(String bootstrapServers, String clientId, KafkaClientProperties clientProperties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrap servers must be set");
        }
        requireId("client id", clientId);
        this.bootstrapServers = bootstrapServers.strip();
        this.clientId = clientId;
        this.clientProperties = Objects.requireNonNull(clientProperties, "clientProperties");
    }

    public static KafkaSettings of(String bootstrapServers, String clientId) {
        return new KafkaSettings(bootstrapServers, clientId);
    }

    public static KafkaSettings of(String bootstrapServers, String clientId, KafkaClientProperties clientProperties) {
        return new KafkaSettings(bootstrapServers, clientId, clientProperties);
    }

    public KafkaClientProperties clientProperties() {
        return clientProperties;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String clientId() {
        return clientId;
    }

    /** The same bootstrap with another client id (e.g. {@code clientId + "-health"}). */
    public KafkaSettings withClientId(String otherClientId) {
        return new KafkaSettings(bootstrapServers, otherClientId, clientProperties);
    }

    /**
     * {@code clientId-role-N}, unique in this JVM: the helpers use it so that several clients of
     * one service do not collide on their JMX app-info names and are told apart in logs.
     */
    public String uniqueClientId(String role) {
        return clientId + "-" + role + "-" + SEQ.incrementAndGet();
    }

    /** Idempotent producer: acks=all, idempotence on, bounded timeouts, String serde. */
    public Properties producer() {
        Properties p = common();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(DELIVERY_TIMEOUT_MS));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(REQUEST_TIMEOUT_MS));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(MAX_BLOCK_MS));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return clientProperties.over(p, KafkaClientProperties.Kind.PRODUCER);
    }

    /** {@link #producer()} plus {@code transactional.id}; one id per logical writer (fencing). */
    public Properties transactionalProducer(String transactionalId) {
        requireId("transactional id", transactionalId);
        Properties p = producer(); // already merged: the transactional keys below are never in the client properties
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(TRANSACTION_TIMEOUT_MS));
        return p;
    }

    /**
     * Consumer for compacted state topics: no group id (use assign + seekToBeginning), no
     * auto-commit, read_committed so half a transaction is never seen. String serde.
     */
    public Properties stateConsumer() {
        Properties p = consumerBase();
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return clientProperties.over(p, KafkaClientProperties.Kind.CONSUMER);
    }

    /**
     * Consumer for event topics in group {@code groupId}: no auto-commit (commit explicit offsets
     * after the effect is done), read_committed, {@code auto.offset.reset=earliest} so a new group
     * sees the events already in the topic.
     */
    public Properties eventConsumer(String groupId) {
        requireId("group id", groupId);
        Properties p = consumerBase();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "100");
        return clientProperties.over(p, KafkaClientProperties.Kind.CONSUMER);
    }

    /** Admin client properties with bounded timeouts. */
    public Properties admin() {
        Properties p = common();
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(REQUEST_TIMEOUT_MS));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return clientProperties.over(p, KafkaClientProperties.Kind.ADMIN);
    }

    /** A client, transactional or group id: 1 to 200 of {@code A-Za-z0-9._-}; the error names {@code what}. */
    private static void requireId(String what, String id) {
        if (id == null || !CLIENT_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " must match " + CLIENT_ID + ": " + id);
        }
    }

    private Properties consumerBase() {
        Properties p = common();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(REQUEST_TIMEOUT_MS));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    private Properties common() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        p.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
        return p;
    }

    @Override
    public String toString() {
        return "KafkaSettings[" + bootstrapServers + ", " + clientId
                + (clientProperties.isEmpty() ? "" : ", " + clientProperties) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaSettings k
                && k.bootstrapServers.equals(bootstrapServers)
                && k.clientId.equals(clientId)
                && k.clientProperties.equals(clientProperties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bootstrapServers, clientId, clientProperties);
    }
}
