package io.videolb.health.kafka;

import io.videolb.events.HealthRecord;
import io.videolb.events.HealthVerdict;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.Ipv4Address;
import io.videolb.threads.NamedThreads;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work sharing and sequence memory in one consumer. Every health-service instance joins one
 * consumer group on the health topic; the partitions the group assigns to an instance are the
 * servers it probes (a server belongs to the partition its key hashes to, as the producer's
 * default partitioner puts it). On assignment the instance reads those partitions from offset 0
 * to their end, learning the last verdict and sequence of every server in them, and only then
 * announces them as owned; on revocation it stops at once. When an instance stops (leaves the
 * group) or dies (session timeout), the group gives its partitions to the others.
 *
 * <p>Client settings are kafka-support's {@link KafkaSettings#eventConsumer(String)} (group,
 * read_committed, no auto-commit: nothing is ever committed, every assignment is read from 0);
 * what it learns from its partitions is {@link OwnedHealthRecords} (the one fold of the health topic).
 */
public final class HealthTopicMember implements AutoCloseable {
    /** Called on the member's thread with the partitions now owned (read to the end). */
    public interface Ownership {
        void owned(Set<Integer> partitions, int partitionCount);
    }

    private static final Logger LOG = LoggerFactory.getLogger(HealthTopicMember.class);
    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final OwnedHealthRecords records;
    private final Ownership ownership;
    private final Thread thread;
    private final Map<TopicPartition, Long> catchingUp = new HashMap<>();
    private final Set<Integer> owned = new HashSet<>();
    private volatile int partitionCount = 1;
    private volatile boolean running = true;

    public HealthTopicMember(
            KafkaSettings settings,
            String topic,
            String groupId,
            int sessionTimeoutMs,
            SequenceClock sequences,
            Ownership ownership) {
        Properties p = settings.eventConsumer(groupId);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(sessionTimeoutMs));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(Math.max(100, sessionTimeoutMs / 5)));
        this.consumer = new KafkaConsumer<>(p);
        this.topic = topic;
        this.records = new OwnedHealthRecords(sequences);
        this.ownership = ownership;
        this.thread = NamedThreads.thread("health-topic-member", this::run);
    }

    public HealthTopicMember start() {
        thread.start();
        return this;
    }

    /** The last verdict per server in the owned partitions, as read back from the topic. */
    public Map<Ipv4Address, HealthVerdict> latest() {
        return records.verdicts();
    }

    public int partitionCount() {
        return partitionCount;
    }

    public synchronized Set<Integer> ownedPartitions() {
        return Set.copyOf(owned);
    }

    /** The partition Kafka's default partitioner picks for a keyed record (murmur2, as BuiltInPartitioner). */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private void run() {
        try {
            partitionCount =
                    consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    drop(parts);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> parts) {
                    drop(parts);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    if (parts.isEmpty()) return;
                    consumer.seekToBeginning(parts);
                    catchingUp.putAll(consumer.endOffsets(parts));
                    LOG.info("assigned {}: reading them to the end before probing", parts);
                }
            });
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    fold(r);
                }
                if (!catchingUp.isEmpty()) {
                    catchingUp
                            .entrySet()
                            .removeIf(e -> consumer.position(e.getKey()) >= e.getValue() && announce(e.getKey()));
                }
            }
        } catch (WakeupException e) {
            if (running) LOG.error("health topic member woken unexpectedly", e);
        } catch (RuntimeException e) {
            LOG.error("health topic member stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean announce(TopicPartition tp) {
        Set<Integer> now;
        synchronized (this) {
            owned.add(tp.partition());
            now = Set.copyOf(owned);
        }
        LOG.info("now probing partitions {} of {}", now, partitionCount);
        ownership.owned(now, partitionCount);
        return true;
    }

    private void drop(Collection<TopicPartition> parts) {
        if (parts.isEmpty()) return;
        Set<Integer> now;
        synchronized (this) {
            for (TopicPartition tp : parts) {
                owned.remove(tp.partition());
                catchingUp.remove(tp);
            }
            now = Set.copyOf(owned);
        }
        records.forgetPartitions(
                parts.stream().map(TopicPartition::partition).collect(Collectors.toSet()), partitionCount);
        LOG.info("gave up {}; probing partitions {}", parts, now);
        ownership.owned(now, partitionCount);
    }

    private void fold(ConsumerRecord<String, String> r) {
        HealthRecord.Unreadable u = records.apply(r.key(), r.value()).unreadable();
        if (u != null)
            LOG.warn(
                    "ignoring unreadable health record {} at {}-{}@{}: {}",
                    u.key(),
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    u.problem());
    }

    @Override
    public void close() {
        if (!running) return;
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
