package io.videolb.kafka;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes event topics in a consumer group, at least once, committing a record's offset only
 * after its effect is done.
 *
 * <p>On its own thread it polls, and for each record in partition order calls the {@link Handler},
 * which returns a {@link CompletionStage} that completes when the effect is done (a mail accepted
 * with 250, a change applied). Only then is {@code offset + 1} committed with {@code commitSync}
 * of that explicit offset. While an effect is pending the consumer pauses its partitions and keeps
 * polling, so it stays in the group however long the effect takes. If the stage fails, the same
 * record is retried after a backoff (doubling from {@code retryBackoff} up to 60 s): a record the
 * handler can never process must be dealt with by the handler (log it and complete normally).
 * After a rebalance, records of partitions this consumer no longer owns are dropped (the new owner
 * resumes from the committed offset). {@link #close()} stops promptly without committing a record
 * whose effect has not completed.
 */
public final class EventConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventConsumer.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    /** One event; {@code value} may be null. */
    public record EventRecord(String topic, int partition, long offset, long timestamp, String key, String value) {}

    /** Performs a record's effect; the returned stage completes when the effect is done. */
    @FunctionalInterface
    public interface Handler {
        CompletionStage<Void> handle(EventRecord record);

        /** Adapts a blocking handler: the effect is done when {@code effect} returns. */
        static Handler blocking(java.util.function.Consumer<EventRecord> effect) {
            return r -> {
                try {
                    effect.accept(r);
                    return CompletableFuture.completedFuture(null);
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            };
        }
    }

    private final Consumer<String, String> consumer;
    private final List<String> topics;
    private final Handler handler;
    private final Duration retryBackoff;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong committed = new AtomicLong();
    private final Thread thread;
    private final CompletableFuture<Void> assigned = new CompletableFuture<>();
    /** Bumped by every rebalance callback (consumer thread only). */
    private int rebalances;

    private EventConsumer(KafkaSettings settings, String groupId, Collection<String> topics, Handler handler,
            Duration retryBackoff) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no topic");
        }
        this.topics = List.copyOf(topics);
        this.handler = Objects.requireNonNull(handler, "handler");
        this.retryBackoff = Objects.requireNonNull(retryBackoff, "retryBackoff");
        Properties props = settings.eventConsumer(groupId);
        props.put(CommonClientConfigs.CLIENT_ID_CONFIG, settings.uniqueClientId("group"));
        this.consumer = new KafkaConsumer<>(props);
        this.thread = NamedThreads.thread("event-consumer-" + groupId, this::run);
    }

    /** Starts consuming {@code topics} in group {@code groupId} (retry backoff 1 s). */
    public static EventConsumer start(KafkaSettings settings, String groupId, Collection<String> topics, Handler handler) {
        return start(settings, groupId, topics, handler, Duration.ofSeconds(1));
    }

    public static EventConsumer start(KafkaSettings settings, String groupId, Collection<String> topics, Handler handler,
            Duration retryBackoff) {
        EventConsumer c = new EventConsumer(settings, groupId, topics, handler, retryBackoff);
        c.thread.start();
        return c;
    }

    /** Completes when the group first assigned partitions to this consumer. */
    public CompletableFuture<Void> assigned() {
        return assigned;
    }

    /** How many offsets this consumer committed. */
    public long committedCount() {
        return committed.get();
    }

    @Override
    public void close() {
        ConsumerThreads.stopOnce(closed, consumer, thread, Duration.ofSeconds(15), LOG, "event consumer");
    }

    private void run() {
        try {
            consumer.subscribe(topics, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    rebalances++;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    rebalances++;
                    assigned.complete(null);
                }
            });
            while (!closed.get()) {
                ConsumerRecords<String, String> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    processBatch(records);
                }
            }
        } catch (WakeupException | InterruptException e) {
            if (!closed.get()) {
                LOG.error("event consumer of {} stopped unexpectedly", topics, e);
            }
        } catch (RuntimeException e) {
            LOG.error("event consumer of {} stopped: {}", topics, e.toString(), e);
        } finally {
            ConsumerThreads.closeQuietly(consumer, LOG, "closing event consumer");
        }
    }

    private void processBatch(ConsumerRecords<String, String> records) {
        // next offset to process, per partition of this batch
        Map<TopicPartition, Long> next = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            next.put(tp, records.records(tp).get(0).offset());
        }
        int generation = rebalances;
        try {
            for (TopicPartition tp : records.partitions()) {
                for (ConsumerRecord<String, String> r : records.records(tp)) {
                    if (closed.get() || rebalances != generation) {
                        return;
                    }
                    if (!consumer.assignment().contains(tp)) {
                        next.remove(tp);
                        break;
                    }
                    if (!runEffect(r)) {
                        return; // closed while the effect was pending or retrying
                    }
                    next.put(tp, r.offset() + 1);
                    try {
                        consumer.commitSync(Map.of(tp, new OffsetAndMetadata(r.offset() + 1)));
                        committed.incrementAndGet();
                    } catch (CommitFailedException | RebalanceInProgressException e) {
                        // we lost the partition meanwhile: the new owner redoes it (at least once)
                        LOG.warn("commit of {}@{} failed after its effect ({}); it may be processed again",
                                tp, r.offset(), e.toString());
                        next.remove(tp);
                        break;
                    }
                }
                next.remove(tp);
            }
        } finally {
            // records fetched but not processed: rewind so the next poll returns them again
            if (!closed.get()) {
                Set<TopicPartition> owned = consumer.assignment();
                next.forEach((tp, offset) -> {
                    if (owned.contains(tp)) {
                        consumer.seek(tp, offset);
                    }
                });
            }
        }
    }

    /** Runs the handler for {@code r} until its effect succeeds; false if closed meanwhile. */
    private boolean runEffect(ConsumerRecord<String, String> r) {
        EventRecord event = new EventRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        Duration backoff = retryBackoff;
        while (!closed.get()) {
            CompletableFuture<Void> effect;
            try {
                effect = handler.handle(event).toCompletableFuture();
            } catch (RuntimeException e) {
                effect = CompletableFuture.failedFuture(e);
            }
            if (!waitKeepingMembership(effect, Long.MAX_VALUE)) {
                return false;
            }
            if (!effect.isCompletedExceptionally()) {
                return true;
            }
            Throwable cause = effect.handle((v, t) -> t).join();
            LOG.warn("effect of {}-{}@{} failed ({}); retrying in {} ms", r.topic(), r.partition(), r.offset(),
                    cause, backoff.toMillis());
            if (!waitKeepingMembership(new CompletableFuture<>(), backoff.toMillis())) {
                return false;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        return false;
    }

    /**
     * Waits until {@code f} is done or {@code maxMs} passed, polling with all partitions paused so
     * the group membership stays alive. Returns false if closed meanwhile.
     */
    private boolean waitKeepingMembership(CompletableFuture<Void> f, long maxMs) {
        if (f.isDone()) {
            return true;
        }
        long deadline = maxMs == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + maxMs * 1_000_000L;
        Set<TopicPartition> paused = new HashSet<>(consumer.assignment());
        consumer.pause(paused);
        try {
            while (!f.isDone() && System.nanoTime() < deadline) {
                if (closed.get()) {
                    return false;
                }
                ConsumerRecords<String, String> stray;
                try {
                    stray = consumer.poll(POLL);
                } catch (WakeupException e) {
                    if (closed.get()) {
                        return false;
                    }
                    throw e;
                }
                // partitions newly assigned by a rebalance are not paused: give their records back
                for (TopicPartition tp : stray.partitions()) {
                    consumer.seek(tp, stray.records(tp).get(0).offset());
                }
                Set<TopicPartition> now = consumer.assignment();
                Set<TopicPartition> fresh = new HashSet<>(now);
                fresh.removeAll(paused);
                if (!fresh.isEmpty()) {
                    consumer.pause(fresh);
                    paused.addAll(fresh);
                }
            }
            return !closed.get();
        } finally {
            if (!closed.get()) {
                Set<TopicPartition> owned = new HashSet<>(consumer.assignment());
                owned.retainAll(paused);
                consumer.resume(owned);
            }
        }
    }
}
