package io.videolb.testsupport.kafka;

import io.videolb.events.AgentStatus;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.testsupport.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The agent-status topic of {@code topics} read from offset 0 as the ITs check an agent: every status read is kept in
 * {@link #statuses()} in the order published (tombstones passed over), {@link #await} polls until the latest one
 * matches, bounded by {@link Await#WAIT}. One consumer, closed by {@link #close}.
 */
public final class AgentStatusWatch implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final List<AgentStatus> statuses = new ArrayList<>();

    /** On the shared embedded broker ({@link SharedBroker}), client id {@code it-status}. */
    public static AgentStatusWatch of(Topics topics) {
        return new AgentStatusWatch(SharedBroker.bootstrapServers(), topics, "it-status");
    }

    public AgentStatusWatch(String bootstrap, Topics topics, String clientId) {
        consumer = new KafkaConsumer<>(KafkaSettings.of(bootstrap, clientId).stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus(), 0);
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
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
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100)))
            if (r.value() != null) statuses.add(Json.read(r.value(), AgentStatus.class));
    }

    private AgentStatus last() {
        return statuses.get(statuses.size() - 1);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(2));
    }
}
