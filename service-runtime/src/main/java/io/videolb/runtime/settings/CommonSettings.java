package io.videolb.runtime.settings;

import io.videolb.events.GenerationKeys;
import io.videolb.events.HealthTopicView;
import io.videolb.events.ReaderTrust;
import io.videolb.events.Topics;
import io.videolb.kafka.KafkaClientProperties;
import io.videolb.kafka.TopicReplication;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The settings every service reads: the broker, its client properties, the topic prefix, the settings file. */
public final class CommonSettings {
    private static final Logger LOG = LoggerFactory.getLogger(CommonSettings.class);

    public static final Declarations DECLARED = new Declarations("all services");

    public static final Setting<String> BOOTSTRAP = DECLARED.add(
            Setting.servers("VIDEOLB_BOOTSTRAP")
                    .flag("--bootstrap")
                    .describe(
                            "Kafka bootstrap servers; required by every service (videolb commands also find a running standalone's)"));
    public static final Setting<String> KAFKA_BOOTSTRAP_OLD = DECLARED.add(
            Setting.servers("VIDEOLB_KAFKA_BOOTSTRAP")
                    .describe(
                            "the old name of VIDEOLB_BOOTSTRAP (alert-service): still read, with a warning; an error if both are set and differ"));
    public static final Setting<String> TOPIC_PREFIX = DECLARED.add(Setting.text(
                    "VIDEOLB_TOPIC_PREFIX",
                    "[a-zA-Z0-9][a-zA-Z0-9._-]{0,100}",
                    "1..101 of a-z A-Z 0-9 . _ - (not starting with . _ -)")
            .flag("--topic-prefix")
            .defaultValue("videolb")
            .describe("prefix of every topic name (one installation per prefix)"));
    public static final Setting<Path> KAFKA_PROPERTIES = DECLARED.add(Setting.path("VIDEOLB_KAFKA_PROPERTIES")
            .flag("--kafka-properties")
            .describe(
                    "a file of Kafka client properties (SASL_SSL with SCRAM-SHA-512 or mutual TLS, tuning) for every producer,"
                            + " consumer and admin client; a misspelt security.*/sasl.*/ssl.* name, a missing keystore or"
                            + " truststore file or SASL without sasl.jaas.config is an error; cannot change acks,"
                            + " idempotence, isolation level, auto-commit, ids or serializers"));
    public static final Setting<Path> SETTINGS_FILE = DECLARED.add(
            Setting.path(SettingsReader.SETTINGS_FILE_VARIABLE)
                    .flag(SettingsReader.SETTINGS_FILE_FLAG)
                    .describe(
                            "a KEY=VALUE file of VIDEOLB_* settings, below flags and environment; a duplicate or unknown key is an error"));

    public static final Setting<Path> GENERATION_KEY_FILE = DECLARED.add(Setting.path("VIDEOLB_GENERATION_KEY_FILE")
            .describe("the key that signs desired-state generations (config-service) and verifies them (every reader):"
                    + " one line, base64 of >= 32 random bytes, mode 0600 (standalone: DATA-DIR/generation.key,"
                    + " created at first start)"));
    public static final Setting<Path> GENERATION_PREVIOUS_KEY_FILE = DECLARED.add(Setting.path(
                    "VIDEOLB_GENERATION_PREVIOUS_KEY_FILE")
            .describe("during a key rotation: the previous key, still accepted by readers, never used to sign"));
    public static final Setting<Boolean> GENERATION_SIGNATURES_REQUIRED =
            DECLARED.add(Setting.bool("VIDEOLB_GENERATION_SIGNATURES_REQUIRED")
                    .defaultValue(false, "false (standalone: true)")
                    .describe("refuse unsigned generations, and refuse to start without VIDEOLB_GENERATION_KEY_FILE;"
                            + " false only while an installation migrates to signed generations (docs/security.md)"));
    public static final Setting<Duration> HEALTH_MAX_CLOCK_SKEW = DECLARED.add(Setting.duration(
                    "VIDEOLB_HEALTH_MAX_CLOCK_SKEW_S", ChronoUnit.SECONDS, 1, 86_400)
            .defaultValue(Duration.ofMillis(HealthTopicView.DEFAULT_MAX_FUTURE_SKEW_MS))
            .describe("a health record whose sequence (wall-clock microseconds) is further ahead of the reader's"
                    + " clock than this is refused and reported"));
    public static final Setting<Integer> TOPIC_REPLICATION_FACTOR =
            DECLARED.add(Setting.integer("VIDEOLB_TOPIC_REPLICATION_FACTOR", 1, 32)
                    .defaultValue(TopicReplication.CLUSTER.factor())
                    .describe("replication factor of every topic videolb creates (three brokers, docs/deployment.md);"
                            + " 1 needs VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED (standalone: 1)"));
    public static final Setting<Integer> TOPIC_MIN_INSYNC_REPLICAS = DECLARED.add(Setting.integer(
                    "VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS", 1, 32)
            .documentedDefault("2, 1 with a factor below 3")
            .describe("min.insync.replicas of every topic videolb creates: replicas that must hold a write before it"
                    + " is acknowledged (acks=all); at most the factor (standalone: 1)"));
    public static final Setting<Boolean> TOPIC_SINGLE_REPLICA_ALLOWED = DECLARED.add(Setting.bool(
                    "VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED")
            .defaultValue(false)
            .describe("true: a replication factor of 1 is accepted (one broker: a lab; the desired state is then lost"
                    + " with that broker's disk); standalone: true"));

    private CommonSettings() {}

    /**
     * What this process's readers trust: the generation keys ({@code VIDEOLB_GENERATION_*}; key files checked for
     * their mode) and the health clock skew.
     *
     * @throws IllegalArgumentException a key file missing or readable by others, or signatures required without one
     */
    public static ReaderTrust trust(SettingsReader r) {
        boolean required = r.get(GENERATION_SIGNATURES_REQUIRED);
        Optional<Path> current = r.find(GENERATION_KEY_FILE);
        Optional<Path> previous = r.find(GENERATION_PREVIOUS_KEY_FILE);
        if (required && current.isEmpty()) {
            throw new IllegalArgumentException(GENERATION_KEY_FILE.key() + ": required while "
                    + GENERATION_SIGNATURES_REQUIRED.key() + "=true (a file with the generation key, mode 0600)");
        }
        GenerationKeys.Key signing = current.map(p -> GenerationKeyFiles.read(GENERATION_KEY_FILE.key(), p))
                .orElse(null);
        List<GenerationKeys.Key> also = previous.map(
                        p -> List.of(GenerationKeyFiles.read(GENERATION_PREVIOUS_KEY_FILE.key(), p)))
                .orElse(List.of());
        if (signing == null && !also.isEmpty()) {
            throw new IllegalArgumentException(GENERATION_PREVIOUS_KEY_FILE.key() + ": set without "
                    + GENERATION_KEY_FILE.key() + " (the previous key is only accepted beside a current one)");
        }
        GenerationKeys keys = GenerationKeys.of(signing, also, required);
        if (signing != null) {
            r.recordDerived(
                    "generation-keys",
                    String.join(",", keys.acceptedIds()),
                    SettingSource.FILE,
                    GENERATION_KEY_FILE.key(),
                    false);
        }
        return new ReaderTrust(keys, r.get(HEALTH_MAX_CLOCK_SKEW).toMillis());
    }

    /**
     * The replication of the topics this process creates: {@code VIDEOLB_TOPIC_REPLICATION_FACTOR} (3) and
     * {@code VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS} (2; 1 with a factor below 3). A factor of 1 is refused unless
     * {@code VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED=true} (standalone assigns it); a min ISR above the factor is refused.
     */
    public static TopicReplication topicReplication(SettingsReader r) {
        int factor = r.get(TOPIC_REPLICATION_FACTOR);
        int minIsr = r.find(TOPIC_MIN_INSYNC_REPLICAS).orElse(TopicReplication.defaultMinInsync(factor));
        if (factor == 1 && !r.get(TOPIC_SINGLE_REPLICA_ALLOWED)) {
            throw new IllegalArgumentException("VIDEOLB_TOPIC_REPLICATION_FACTOR='1': one replica loses every topic"
                    + " (the desired state too) with one broker's disk; use three brokers (docs/deployment.md), or"
                    + " set VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED=true for a one-broker lab");
        }
        if (minIsr > factor) {
            throw new IllegalArgumentException("VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS='" + minIsr
                    + "': must be at most VIDEOLB_TOPIC_REPLICATION_FACTOR (" + factor
                    + "): no write could ever be acknowledged");
        }
        return new TopicReplication(factor, minIsr);
    }

    /**
     * The bootstrap servers: {@code --bootstrap}, else {@code VIDEOLB_BOOTSTRAP}, else the old
     * {@code VIDEOLB_KAFKA_BOOTSTRAP} (with a warning); both variables set to different values is an error.
     * Empty when none is set (the caller may know another place, e.g. a standalone's data directory).
     */
    public static Optional<String> bootstrap(SettingsReader r) {
        Optional<String> current = r.find(BOOTSTRAP);
        if (!r.isSet(KAFKA_BOOTSTRAP_OLD)) return current;
        boolean flagOrAssigned = r.effective().stream()
                .anyMatch(e -> e.key().equals(BOOTSTRAP.key())
                        && (e.source() == SettingSource.FLAG || e.source() == SettingSource.ASSIGNED));
        if (flagOrAssigned) return current;
        String old = r.get(KAFKA_BOOTSTRAP_OLD);
        if (r.isSet(BOOTSTRAP) && !current.orElseThrow().equals(old)) {
            throw new IllegalArgumentException("VIDEOLB_KAFKA_BOOTSTRAP='" + io.videolb.model.FieldText.escape(old)
                    + "': must be unset or equal to VIDEOLB_BOOTSTRAP='"
                    + io.videolb.model.FieldText.escape(current.get())
                    + "' (it is the old name of VIDEOLB_BOOTSTRAP)");
        }
        LOG.warn("VIDEOLB_KAFKA_BOOTSTRAP is the old name of VIDEOLB_BOOTSTRAP: set VIDEOLB_BOOTSTRAP instead");
        return Optional.of(old);
    }

    /** {@link #bootstrap} or an error saying it is required. */
    public static String requireBootstrap(SettingsReader r) {
        return bootstrap(r)
                .orElseThrow(() -> new IllegalArgumentException(
                        "VIDEOLB_BOOTSTRAP: required, must be " + BOOTSTRAP.allowed() + " (or --bootstrap)"));
    }

    public static Topics topics(SettingsReader r) {
        return new Topics(r.get(TOPIC_PREFIX));
    }

    /**
     * The client properties of {@code VIDEOLB_KAFKA_PROPERTIES} (none when unset); each is recorded in the
     * reader (secrets masked) for {@code --print-settings}. Errors name {@code file:line}.
     */
    public static KafkaClientProperties kafkaProperties(SettingsReader r) {
        Optional<Path> file = r.find(KAFKA_PROPERTIES);
        if (file.isEmpty()) return KafkaClientProperties.NONE;
        PropertiesFile parsed = PropertiesFile.read(KAFKA_PROPERTIES.key(), file.get());
        KafkaClientProperties props = clientProperties(parsed);
        for (PropertiesFile.Entry e : parsed.entries()) {
            r.recordDerived(
                    "kafka:" + e.key(),
                    e.value(),
                    SettingSource.FILE,
                    parsed.where(e),
                    KafkaClientProperties.secret(e.key()));
        }
        return props;
    }

    /**
     * The client properties of one file in the format of {@code VIDEOLB_KAFKA_PROPERTIES} (standalone's generated
     * per-principal files); the same checks, errors name {@code file:line}.
     */
    public static KafkaClientProperties kafkaPropertiesFile(Path file) {
        return clientProperties(PropertiesFile.read(KAFKA_PROPERTIES.key(), file));
    }

    private static KafkaClientProperties clientProperties(PropertiesFile parsed) {
        List<KafkaClientProperties.Entry> entries = new ArrayList<>();
        for (PropertiesFile.Entry e : parsed.entries()) {
            entries.add(new KafkaClientProperties.Entry(e.key(), e.value(), parsed.where(e)));
        }
        return KafkaClientProperties.of(entries);
    }

    /** The bootstrap servers (required), client properties, topic replication and reader trust of this process. */
    public static KafkaConnection kafka(SettingsReader r) {
        return new KafkaConnection(requireBootstrap(r), kafkaProperties(r), topicReplication(r), trust(r));
    }
}
