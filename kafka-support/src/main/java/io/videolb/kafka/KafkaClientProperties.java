package io.videolb.kafka;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka client properties an operator adds to every producer, consumer and admin client a service
 * creates ({@code VIDEOLB_KAFKA_PROPERTIES}): what SASL and TLS need ({@code security.protocol},
 * {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}, ...) and tuning.
 * They are merged under videolb's safety settings, which cannot be changed: an entry that would set
 * one of them to another value is refused when this object is made, naming where the entry comes from
 * ({@code file:line}). A property only one kind of client knows (e.g. {@code linger.ms}) goes only to
 * that kind; one no client knows (a plugin's own) goes to all.
 */
public final class KafkaClientProperties {
    /** None: the clients get only videolb's own settings. */
    public static final KafkaClientProperties NONE = new KafkaClientProperties(List.of());

    /**
     * One property.
     *
     * @param origin where it comes from, for errors (e.g. {@code /etc/videolb/kafka.properties:3})
     */
    public record Entry(String key, String value, String origin) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(origin, "origin");
        }
    }

    /** Values videolb requires for correctness (exactly once, no lost or half-seen transactions). */
    private static final Map<String, Set<String>> REQUIRED = Map.of(
            ProducerConfig.ACKS_CONFIG, Set.of("all", "-1"),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Set.of("true"),
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, Set.of("read_committed"),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, Set.of("false"),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, Set.of(StringSerializer.class.getName()),
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, Set.of(StringSerializer.class.getName()),
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, Set.of(StringDeserializer.class.getName()),
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, Set.of(StringDeserializer.class.getName()));

    /** Set by videolb per client (and by VIDEOLB_BOOTSTRAP): never from the file. */
    private static final Map<String, String> PER_CLIENT = Map.of(
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "videolb sets it per writer (fencing)",
            CommonClientConfigs.CLIENT_ID_CONFIG, "videolb names each client",
            ConsumerConfig.GROUP_ID_CONFIG, "videolb sets it per reader",
            CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "set VIDEOLB_BOOTSTRAP instead");

    private final Map<String, Entry> entries;

    private KafkaClientProperties(List<Entry> list) {
        Map<String, Entry> m = new LinkedHashMap<>();
        for (Entry e : list) {
            String key = e.key().strip();
            String value = e.value().strip();
            Set<String> required = REQUIRED.get(key);
            if (required != null && required.stream().noneMatch(r -> r.equalsIgnoreCase(value))) {
                throw new IllegalArgumentException(e.origin() + ": " + key + "='" + shown(key, value)
                        + "': videolb requires " + key + "="
                        + required.stream().sorted().reduce((a, b) -> b).orElseThrow() + "; it cannot be changed");
            }
            String why = PER_CLIENT.get(key);
            if (why != null) {
                throw new IllegalArgumentException(
                        e.origin() + ": " + key + "='" + shown(key, value) + "': not allowed here (" + why + ")");
            }
            Entry first = m.putIfAbsent(key, new Entry(key, value, e.origin()));
            if (first != null)
                throw new IllegalArgumentException(
                        e.origin() + ": " + key + " is set twice (first at " + first.origin() + ")");
        }
        KafkaSecurityProperties.check(m);
        this.entries = Map.copyOf(m);
    }

    /** Checks {@code entries} (see the class comment) and keeps them. */
    public static KafkaClientProperties of(List<Entry> entries) {
        return entries.isEmpty() ? NONE : new KafkaClientProperties(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries, keyed by property name. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** Whether a property's value is a secret (passwords, JAAS configuration, keys, tokens): never printed. */
    public static boolean secret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password")
                || k.contains("jaas")
                || k.contains("secret")
                || k.contains("token")
                || k.endsWith(".key")
                || k.contains("credential");
    }

    /** The value as it may be printed: secrets as {@code ****}. */
    public static String shown(String key, String value) {
        return secret(key) ? "****" : value;
    }

    /** The kinds of client a property set is merged into. */
    enum Kind {
        PRODUCER(ProducerConfig.configNames()),
        CONSUMER(ConsumerConfig.configNames()),
        ADMIN(AdminClientConfig.configNames());

        private final Set<String> names;

        Kind(Set<String> names) {
            this.names = names;
        }
    }

    static final Set<String> KNOWN_TO_SOME = union();

    private static Set<String> union() {
        java.util.HashSet<String> s = new java.util.HashSet<>();
        for (Kind k : Kind.values()) s.addAll(k.names);
        return Set.copyOf(s);
    }

    /**
     * {@code own} (videolb's settings for one client) with these properties over it: they tune what videolb
     * only defaults (timeouts, linger, batch sizes) and add what it does not set (SASL, TLS); the safety
     * settings cannot differ (refused when this object was made).
     */
    Properties over(Properties own, Kind kind) {
        Properties merged = new Properties();
        merged.putAll(own);
        for (Entry e : entries.values()) {
            if (kind.names.contains(e.key()) || !KNOWN_TO_SOME.contains(e.key())) merged.put(e.key(), e.value());
        }
        return merged;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KafkaClientProperties k && k.entries.equals(entries);
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("KafkaClientProperties[");
        entries.values()
                .forEach(e -> b.append(e.key())
                        .append('=')
                        .append(shown(e.key(), e.value()))
                        .append(' '));
        return b.append(']').toString();
    }
}
