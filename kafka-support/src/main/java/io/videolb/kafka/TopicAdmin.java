package io.videolb.kafka;

import io.videolb.events.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics videolb needs ({@link Topics#all()}) when they are missing. Idempotent and
 * safe to run from every service at start, concurrently: a topic created by someone else in the
 * meantime ({@link TopicExistsException}) counts as present. Existing topics are never altered; a
 * state topic found without {@code cleanup.policy=compact} is reported with a WARN.
 *
 * <p>Replication: every topic is created with the replication factor and {@code min.insync.replicas} of the
 * {@link TopicReplication} the caller passes (from the settings: 3 and 2 outside standalone, 1 and 1 in standalone and
 * tests), never the broker's defaults. A broker set too small for the factor is an error naming the setting. An
 * existing topic with fewer replicas or another {@code min.insync.replicas} than asked is reported with a WARN
 * (never altered: moving replicas is {@code kafka-reassign-partitions}, see docs/deployment.md).
 */
public final class TopicAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(TopicAdmin.class);

    /** Default bound for the whole {@code ensure} call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private TopicAdmin() {}

    /** Settings of a compacted state topic (keyed by entity; readers fold it from offset 0). */
    public static Map<String, String> compactedTopicConfig() {
        Map<String, String> c = new HashMap<>();
        c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        // keep at least a minute of history uncompacted (debugging, slow followers)
        c.put(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "60000");
        // tombstones stay 24 h: a reader that starts from offset 0 sees deletes if it reads within that time
        c.put(TopicConfig.DELETE_RETENTION_MS_CONFIG, "86400000");
        // roll segments hourly / at 64 MB so low-volume state topics get compacted at all
        // (only closed segments are cleaned; the default roll is 7 days / 1 GB)
        c.put(TopicConfig.SEGMENT_MS_CONFIG, "3600000");
        c.put(TopicConfig.SEGMENT_BYTES_CONFIG, Integer.toString(64 * 1024 * 1024));
        c.put(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, "0.5");
        return c;
    }

    /** Settings of an append-only event topic (audit): kept 30 days. */
    public static Map<String, String> eventTopicConfig() {
        Map<String, String> c = new HashMap<>();
        c.put(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE);
        c.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(Duration.ofDays(30).toMillis()));
        return c;
    }

    /**
     * Sets {@code retention.ms} of an existing delete-policy topic (the history topic's retention is a
     * config-service setting) when it differs; returns true if it was changed. With the process's shared admin client
     * of {@code settings} ({@link SharedAdmin}).
     */
    public static boolean setRetention(KafkaSettings settings, String topic, Duration retention, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String want = Long.toString(retention.toMillis());
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (SharedAdmin.Lease lease = SharedAdmin.acquire(settings.admin())) {
            Admin admin = lease.admin();
            Config c = get(admin.describeConfigs(List.of(r)).all(), deadline).get(r);
            org.apache.kafka.clients.admin.ConfigEntry e = c == null ? null : c.get(TopicConfig.RETENTION_MS_CONFIG);
            if (e != null && want.equals(e.value())) return false;
            get(
                    admin.incrementalAlterConfigs(Map.of(
                                    r,
                                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                                            new org.apache.kafka.clients.admin.ConfigEntry(
                                                    TopicConfig.RETENTION_MS_CONFIG, want),
                                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
                            .all(),
                    deadline);
            LOG.info("topic {}: retention.ms set to {} ({})", topic, want, retention);
            return true;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot set the retention of " + topic + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting the retention of " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the broker did not answer within " + timeout + " (retention of " + topic + ")", e);
        }
    }

    /** {@link #ensure(Admin, Topics, TopicReplication, Duration)} with a short-lived admin client. */
    public static List<String> ensure(String bootstrapServers, Topics topics, TopicReplication replication) {
        return ensure(bootstrapServers, topics, replication, DEFAULT_TIMEOUT);
    }

    public static List<String> ensure(
            String bootstrapServers, Topics topics, TopicReplication replication, Duration timeout) {
        return ensure(KafkaSettings.of(bootstrapServers, "videolb-topic-admin"), topics, replication, timeout);
    }

    /** With the process's shared admin client of {@code settings} (its client properties: SASL, TLS; {@link SharedAdmin}). */
    public static List<String> ensure(KafkaSettings settings, Topics topics, TopicReplication replication) {
        return ensure(settings, topics, replication, DEFAULT_TIMEOUT);
    }

    public static List<String> ensure(
            KafkaSettings settings, Topics topics, TopicReplication replication, Duration timeout) {
        try (SharedAdmin.Lease lease = SharedAdmin.acquire(settings.admin())) {
            return ensure(lease.admin(), topics, replication, timeout);
        }
    }

    /** The settings of a topic created with {@code replication}: its kind's settings and min.insync.replicas. */
    static Map<String, String> creationConfig(Topics.TopicSpec spec, TopicReplication replication) {
        Map<String, String> c = spec.compacted() ? compactedTopicConfig() : eventTopicConfig();
        c.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(replication.minInsyncReplicas()));
        return c;
    }

    /**
     * Creates the missing topics of {@code topics.all()} with {@code replication} and waits until every topic of the
     * set has a leader for each partition.
     *
     * @return the names this call created (empty if all existed)
     * @throws IllegalStateException if the broker does not answer within {@code timeout}, or has fewer brokers than
     *     the replication factor
     */
    public static List<String> ensure(Admin admin, Topics topics, TopicReplication replication, Duration timeout) {
        return ensure(admin, topics.all(), replication, timeout);
    }

    /**
     * As {@link #ensure(Admin, Topics, TopicReplication, Duration)} for the given topics (e.g. one director's own
     * agent-status topic, {@link Topics#agentStatusSpec}).
     */
    public static List<String> ensure(
            KafkaSettings settings, List<Topics.TopicSpec> specs, TopicReplication replication, Duration timeout) {
        try (SharedAdmin.Lease lease = SharedAdmin.acquire(settings.admin())) {
            return ensure(lease.admin(), specs, replication, timeout);
        }
    }

    /** As {@link #ensure(Admin, Topics, TopicReplication, Duration)} for the given topics. */
    public static List<String> ensure(
            Admin admin, List<Topics.TopicSpec> specs, TopicReplication replication, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> topics = specs.stream().map(Topics.TopicSpec::name).toList();
        try {
            Set<String> existing = get(
                    admin.listTopics(new ListTopicsOptions().listInternal(false))
                            .names(),
                    deadline);
            List<NewTopic> missing = new ArrayList<>();
            for (Topics.TopicSpec spec : specs) {
                if (!existing.contains(spec.name())) {
                    missing.add(new NewTopic(spec.name(), Optional.of(spec.partitions()), Optional.of((short)
                                    replication.factor()))
                            .configs(creationConfig(spec, replication)));
                }
            }
            List<String> created = new ArrayList<>();
            if (!missing.isEmpty()) {
                Map<String, KafkaFuture<Void>> results =
                        admin.createTopics(missing).values();
                for (Map.Entry<String, KafkaFuture<Void>> e : results.entrySet()) {
                    try {
                        get(e.getValue(), deadline);
                        created.add(e.getKey());
                    } catch (ExecutionException ex) {
                        if (ex.getCause() instanceof InvalidReplicationFactorException irf) {
                            throw new IllegalStateException(
                                    "cannot create topic " + e.getKey() + " with " + replication + ": "
                                            + irf.getMessage()
                                            + " (VIDEOLB_TOPIC_REPLICATION_FACTOR must not exceed the brokers in the"
                                            + " cluster; docs/deployment.md)",
                                    irf);
                        }
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw ex;
                        }
                    }
                }
                if (!created.isEmpty()) {
                    LOG.info("created topics {}", created);
                }
            }
            Map<String, TopicDescription> described = awaitLeaders(
                    admin, specs.stream().map(Topics.TopicSpec::name).toList(), deadline);
            checkExisting(admin, specs, created, described, replication, deadline);
            return created;
        } catch (ExecutionException e) {
            throw new IllegalStateException("ensuring topics " + topics + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("ensuring topics " + topics + " timed out after " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ensuring topics", e);
        }
    }

    private static Map<String, TopicDescription> awaitLeaders(Admin admin, List<String> names, long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        while (true) {
            try {
                Map<String, TopicDescription> d =
                        get(admin.describeTopics(names).allTopicNames(), deadline);
                boolean ready = d.values().stream()
                        .allMatch(t -> !t.partitions().isEmpty()
                                && t.partitions().stream().allMatch(p -> p.leader() != null));
                if (ready) {
                    return d;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("topics " + names + " have no leader yet");
            }
            Thread.sleep(100);
        }
    }

    /**
     * Topics found (not created by this call): a state topic without compaction, fewer replicas than the factor, or
     * another min.insync.replicas than asked is reported with a WARN (never altered).
     */
    private static void checkExisting(
            Admin admin,
            List<Topics.TopicSpec> specs,
            List<String> created,
            Map<String, TopicDescription> described,
            TopicReplication replication,
            long deadline)
            throws InterruptedException, TimeoutException, ExecutionException {
        List<Topics.TopicSpec> found =
                specs.stream().filter(s -> !created.contains(s.name())).toList();
        if (found.isEmpty()) {
            return;
        }
        for (Topics.TopicSpec s : found) {
            TopicDescription d = described.get(s.name());
            if (d == null) continue;
            int fewest = d.partitions().stream()
                    .mapToInt(p -> p.replicas().size())
                    .min()
                    .orElse(0);
            if (fewest < replication.factor()) {
                LOG.warn(
                        "topic {} exists with {} replica(s), fewer than the replication factor {} asked (it is not"
                                + " changed: add replicas with kafka-reassign-partitions, docs/deployment.md)",
                        s.name(),
                        fewest,
                        replication.factor());
            }
        }
        List<ConfigResource> resources = found.stream()
                .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                .toList();
        Map<ConfigResource, Config> configs =
                get(admin.describeConfigs(resources).all(), deadline);
        configs.forEach((r, c) -> {
            var minIsr = c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            String want = Integer.toString(replication.minInsyncReplicas());
            if (minIsr == null || !want.equals(minIsr.value())) {
                LOG.warn(
                        "topic {} exists with min.insync.replicas={}, not {} as asked (it is not changed:"
                                + " kafka-configs --alter --entity-type topics, docs/deployment.md)",
                        r.name(),
                        minIsr == null ? "unset" : minIsr.value(),
                        want);
            }
            boolean compacted = found.stream().anyMatch(s -> s.name().equals(r.name()) && s.compacted());
            var policy = c.get(TopicConfig.CLEANUP_POLICY_CONFIG);
            if (compacted && (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT))) {
                LOG.warn(
                        "state topic {} exists without cleanup.policy=compact (is {}): it will lose old keys",
                        r.name(),
                        policy == null ? "unset" : policy.value());
            }
        });
    }

    private static <T> T get(KafkaFuture<T> f, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException {
        long left = Math.max(1, deadline - System.nanoTime());
        return f.get(left, TimeUnit.NANOSECONDS);
    }
}
