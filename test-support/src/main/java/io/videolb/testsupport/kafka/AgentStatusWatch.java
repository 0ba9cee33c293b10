package io.videolb.testsupport.kafka;

import io.videolb.events.AgentStatus;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.testsupport.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * The agents' status topics of {@code topics} (each director's own, {@code PREFIX.agent-status.ID}, followed as they
 * are created: an agent creates its own before its first status) read from offset 0 as the ITs check an agent: every
 * status read is kept in
 * {@link #statuses()} in the order read (tombstones passed over), {@link #await} polls until the latest one
 * matches, bounded by {@link Await#WAIT}. One consumer, closed by {@link #close}.
 */
public final class AgentStatusWatch implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final List<AgentStatus> statuses = new ArrayList<>();
    private final Pattern follow;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private long nextLookNs = System.nanoTime();

    /** On the shared embedded broker ({@link SharedBroker}), client id {@code it-status}. */
    public static AgentStatusWatch of(Topics topics) {
        return new AgentStatusWatch(SharedBroker.bootstrapServers(), topics, "it-status");
    }

    public AgentStatusWatch(String bootstrap, Topics topics, String clientId) {
        consumer = new KafkaConsumer<>(KafkaSettings.of(bootstrap, clientId).stateConsumer());
        follow = topics.agentStatusTopics();
    }

    /** Every status read so far, oldest first (the live list: it grows as the watch reads on). */
    public List<AgentStatus> statuses() {
        return statuses;
    }

    /** Reads until the latest status matches {@code p} and returns it; fails naming {@code what} after the bound. */
    public AgentStatus await(String what, Predicate<AgentStatus> p) {
        long end = System.nanoTime() + Await.WAIT.toNanos();
        while (System.nanoTime() - end < 0) {
            poll();
            if (!statuses.isEmpty() && p.test(last())) return last();
        }
        throw new AssertionError("no agent status " + what + " within " + Await.WAIT + "; last: "
                + (statuses.isEmpty() ? "none" : last()));
    }

    /** Keeps reading statuses for {@code ms} (the agent goes on publishing meanwhile). */
    public void collect(long ms) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() - end < 0) poll();
    }

    private void poll() {
        followNewTopics();
        if (assigned.isEmpty()) {
            sleep(100); // no director's topic yet
            return;
        }
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100)))
            if (r.value() != null) statuses.add(Json.read(r.value(), AgentStatus.class));
    }

    /** Every 200 ms: the status topics created since, read from offset 0. */
    private void followNewTopics() {
        if (System.nanoTime() - nextLookNs < 0) return;
        nextLookNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        List<TopicPartition> fresh = new ArrayList<>();
        consumer.listTopics(Duration.ofSeconds(2)).forEach((topic, parts) -> {
            if (!follow.matcher(topic).matches()) return;
            for (PartitionInfo p : parts) {
                TopicPartition tp = new TopicPartition(topic, p.partition());
                if (assigned.add(tp)) fresh.add(tp);
            }
        });
        if (fresh.isEmpty()) return;
        consumer.assign(assigned);
        consumer.seekToBeginning(fresh);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private AgentStatus last() {
        return statuses.get(statuses.size() - 1);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
