package io.videolb.kafka;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads compacted state topics from offset 0 and then follows them, on its own thread.
 *
 * <p>On start it assigns every partition of the topics (no consumer group, no committed offsets),
 * seeks to the beginning and captures the end offsets (with {@code read_committed}: the last
 * stable offsets). Every record is handed to the {@link Listener} in partition order. Once every
 * partition's position has reached the captured end, {@link Listener#onCaughtUp()} runs and
 * {@link #caughtUp()} completes, exactly once; then the reader keeps delivering new records until
 * {@link #close()}.
 *
 * <p>If a topic does not exist yet the reader waits for it (up to {@code topicWait}, default
 * 60 s). A broker that does not answer the first metadata or end-offset request in time (a
 * {@link org.apache.kafka.common.errors.TimeoutException}: slow, restarting or not yet reachable) is
 * retried within the same {@code topicWait}. After that, or if the listener throws, the reader stops, {@link Listener#onError} runs and
 * {@code caughtUp()} completes exceptionally (if not already done). The number of partitions is
 * read once at start. {@link #close()} is prompt (wakeup) and joins the thread.
 */
public final class StateTopicReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateTopicReader.class);
    /** Default longest wait of one poll, i.e. the longest gap between two {@link Listener#afterPoll()} calls. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(200);

    /** One record of a state topic; {@code value == null} is a tombstone (the key is deleted). */
    public record StateRecord(String topic, int partition, long offset, long timestamp, String key, String value) {
        public boolean isTombstone() {
            return value == null;
        }
    }

    /** Receives records on the reader's thread. */
    public interface Listener {
        void onRecord(StateRecord record);

        /** Called once, on the reader thread, after the records up to the end captured at start. */
        default void onCaughtUp() {}

        /** Called once if the reader stops because of an error (not on close()). */
        default void onError(Throwable error) {}

        /**
         * Called on the reader thread after the records of each poll were delivered, also after an
         * empty poll: at least once per poll interval while the reader runs (a tick for owners that
         * decide on time as well as on records, or hand over once per batch). Throwing stops the
         * reader like a throwing {@link #onRecord}.
         */
        default void afterPoll() {}
    }

    private final Consumer<String, String> consumer;
    private final List<String> topics;
    private final Listener listener;
    private final Duration topicWait;
    private final Duration pollInterval;
    private final String bootstrapServers;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private volatile long recordsDelivered;

    private StateTopicReader(
            KafkaSettings settings,
            Collection<String> topics,
            Listener listener,
            Duration topicWait,
            Duration pollInterval) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no topic");
        }
        this.topics = List.copyOf(topics);
        this.listener = Objects.requireNonNull(listener, "listener");
        this.topicWait = Objects.requireNonNull(topicWait, "topicWait");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero() || pollInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("poll interval must be in (0, 10 s], got " + pollInterval);
        }
        this.consumer = new KafkaConsumer<>(withClientId(settings.stateConsumer(), settings.uniqueClientId("state")));
        this.bootstrapServers = settings.bootstrapServers();
        this.thread = NamedThreads.thread("state-reader-" + String.join("+", this.topics), this::run);
    }

    /** Starts reading {@code topic} from offset 0. */
    public static StateTopicReader start(KafkaSettings settings, String topic, Listener listener) {
        return start(settings, List.of(topic), listener, Duration.ofSeconds(60));
    }

    /** Starts reading all {@code topics} from offset 0; caught up when all of them are. */
    public static StateTopicReader start(
            KafkaSettings settings, Collection<String> topics, Listener listener, Duration topicWait) {
        return start(settings, topics, listener, topicWait, DEFAULT_POLL_INTERVAL);
    }

    /**
     * As {@link #start(KafkaSettings, Collection, Listener, Duration)}, with the longest wait of one
     * poll ({@code pollInterval}, in (0, 10 s]): how often {@link Listener#afterPoll()} runs at least.
     */
    public static StateTopicReader start(
            KafkaSettings settings,
            Collection<String> topics,
            Listener listener,
            Duration topicWait,
            Duration pollInterval) {
        StateTopicReader r = new StateTopicReader(settings, topics, listener, topicWait, pollInterval);
        r.thread.start();
        return r;
    }

    /** A listener folding records into {@code map} (put, or remove for a tombstone). */
    public static Listener folding(Map<String, String> map) {
        return r -> {
            if (r.isTombstone()) {
                map.remove(r.key());
            } else {
                map.put(r.key(), r.value());
            }
        };
    }

    /** Completes once the reader has delivered everything up to the end offsets captured at start. */
    public CompletableFuture<Void> caughtUp() {
        return caughtUp;
    }

    /** Waits for {@link #caughtUp()}; false on timeout, exception if the reader failed. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        try {
            caughtUp.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("state reader of " + topics + " failed: " + e.getCause(), e.getCause());
        }
    }

    public long recordsDelivered() {
        return recordsDelivered;
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the reader promptly and joins its thread (at most ~10 s). */
    @Override
    public void close() {
        if (ConsumerThreads.stopOnce(closed, consumer, thread, Duration.ofSeconds(10), LOG, "state reader")) {
            caughtUp.completeExceptionally(new IllegalStateException("state reader closed before it caught up"));
        }
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions == null) {
                return; // closed while waiting
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = awaitEndOffsets(partitions);
            if (end == null) {
                return; // closed while waiting
            }
            LOG.debug("state reader {} end offsets at start {}", topics, end);
            boolean done = false;
            while (!closed.get()) {
                if (!done) {
                    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (end.isEmpty()) {
                        done = true;
                        listener.onCaughtUp();
                        caughtUp.complete(null);
                        LOG.debug("state reader {} caught up after {} records", topics, recordsDelivered);
                    }
                }
                ConsumerRecords<String, String> records = consumer.poll(pollInterval);
                for (ConsumerRecord<String, String> r : records) {
                    listener.onRecord(
                            new StateRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
                    recordsDelivered++;
                }
                listener.afterPoll();
            }
        } catch (WakeupException | InterruptException e) {
            if (!closed.get()) {
                fail(e);
            }
        } catch (Throwable e) {
            if (!closed.get()) {
                fail(e);
            }
        } finally {
            ConsumerThreads.closeQuietly(consumer, LOG, "closing state reader consumer");
        }
    }

    private void fail(Throwable e) {
        LOG.error("state reader of {} stopped: {}", topics, e.toString(), e);
        try {
            listener.onError(e);
        } catch (RuntimeException ex) {
            LOG.warn("state reader listener onError threw", ex);
        }
        caughtUp.completeExceptionally(e);
    }

    /** The deadline of the start-up waits (topics to exist, broker to answer): start + topicWait. */
    private long startDeadline;

    /** One bounded request timeout: at most 5 s, never past the start-up deadline (at least 100 ms). */
    private Duration requestTimeout() {
        long left = startDeadline - System.nanoTime();
        return Duration.ofNanos(
                Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(left, TimeUnit.SECONDS.toNanos(5))));
    }

    /** The end offsets at start; a broker that does not answer in time is asked again until the start-up deadline. */
    private Map<TopicPartition, Long> awaitEndOffsets(List<TopicPartition> partitions) {
        while (!closed.get()) {
            try {
                return new HashMap<>(consumer.endOffsets(partitions, requestTimeout()));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (System.nanoTime() > startDeadline) {
                    throw new IllegalStateException(
                            "no end offsets of " + topics + " from the broker within " + topicWait, e);
                }
                LOG.warn("state reader {}: no end offsets yet ({}), asking again", topics, e.getMessage());
            }
        }
        return null;
    }

    /** All partitions of all topics; waits (bounded) for topics that do not exist yet and for a broker that does not answer. */
    private List<TopicPartition> awaitPartitions() {
        startDeadline = System.nanoTime() + topicWait.toNanos();
        long deadline = startDeadline;
        long nextWarn = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!closed.get()) {
            List<TopicPartition> all = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            List<String> unanswered = new ArrayList<>();
            for (String t : topics) {
                List<PartitionInfo> infos;
                try {
                    infos = consumer.partitionsFor(t, requestTimeout());
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    unanswered.add(t); // slow or not yet reachable broker: not fatal, ask again (bounded by topicWait)
                    continue;
                }
                if (infos == null || infos.isEmpty()) {
                    missing.add(t);
                } else {
                    infos.forEach(i -> all.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            if (missing.isEmpty() && unanswered.isEmpty()) {
                return all;
            }
            long now = System.nanoTime();
            if (now > deadline) {
                if (!unanswered.isEmpty()) {
                    throw new IllegalStateException("no metadata for state topics " + unanswered + " from "
                            + bootstrapServers + " (broker not reachable or not answering, waited " + topicWait + ")");
                }
                throw new IllegalStateException("state topics " + missing + " do not exist (waited " + topicWait + ")");
            }
            if (!unanswered.isEmpty()) {
                LOG.warn(
                        "state reader: no metadata for {} yet (broker slow or not reachable), asking again",
                        unanswered);
            } else if (now > nextWarn) {
                LOG.warn("state reader waiting for topics {} to exist", missing);
                nextWarn = now + TimeUnit.SECONDS.toNanos(15);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private static Properties withClientId(Properties p, String id) {
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, id);
        return p;
    }
}
