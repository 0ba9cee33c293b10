package io.videolb.kafka;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
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
 * read once at start (and again after a topic was recreated). {@link #close()} is prompt (wakeup) and joins the
 * thread.
 *
 * <p><b>A topic deleted and recreated under the reader</b> is told apart from the old one by its topic id (checked
 * with an admin client at start, every {@value #TOPIC_ID_CHECK_MS} ms without blocking the poll loop, and at once
 * when a position falls outside the partition's log, which is what a recreated, shorter topic gives; the consumer
 * never resets a position by itself: {@code auto.offset.reset=none}). A topic that is gone is reported and the
 * state read so far kept. A new id is never folded together with the old topic: the reader logs it, calls
 * {@link Listener#onTopicRecreated} (the listener drops everything it folded, from every topic of this reader),
 * and reads all its topics again from offset 0. A listener that does not override it stops the reader instead
 * ({@link Listener#onError}). Records the new topic already had past the old position may be delivered before the
 * periodic check sees the new id; they are dropped with the rest.
 *
 * <p><b>Followed topics</b> (the optional {@code follow} pattern, e.g. the per-director agent-status topics, decision
 * 119): besides its fixed topics the reader reads every topic whose whole name matches the pattern, those found at
 * start (read up to their end before {@code caughtUp}) and those created later: every {@value #FOLLOW_CHECK_MS} ms the
 * topic names are listed (without blocking the poll loop) and a new match is assigned and folded from offset 0,
 * without a restart of the reader. At most {@value #MAX_FOLLOWED} topics are followed (more are reported, not read).
 * A followed topic that does not exist (deleted) is skipped, never waited for; one recreated is handled like a fixed
 * one. Listing needs DESCRIBE on the topics (Kafka lists only those).
 */
public final class StateTopicReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateTopicReader.class);
    /** Default longest wait of one poll, i.e. the longest gap between two {@link Listener#afterPoll()} calls. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(200);
    /** How often the topic ids are compared with the ones read at start (ms). */
    public static final long TOPIC_ID_CHECK_MS = 2_000;
    /** How often the topic names are listed for new topics matching the follow pattern (ms). */
    public static final long FOLLOW_CHECK_MS = 2_000;
    /** The most topics one reader follows by its pattern. */
    public static final int MAX_FOLLOWED = 1_000;

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

        /**
         * {@code topic} was deleted and recreated (its topic id changed from {@code oldTopicId} to {@code newTopicId}):
         * drop everything folded so far, from every topic of this reader; they are all delivered again from offset 0
         * right after this call ({@link #onCaughtUp()} is not called again: {@link #onReadAgain()} says when they are
         * read to the end offsets of the moment of the recreation). The default cannot drop anything, so it throws:
         * the reader stops ({@link #onError}) rather than fold the new topic together with the old one.
         */
        default void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
            throw new IllegalStateException("state topic " + topic + " was deleted and recreated (topic id "
                    + oldTopicId + " -> " + newTopicId + "): this reader cannot drop what it read from the old"
                    + " topic, so it stops instead of folding the two together");
        }

        /**
         * After {@link #onTopicRecreated}: every topic of this reader was read again from offset 0 up to the end
         * offsets it had right after the recreation (on the reader thread, after those records were delivered). What
         * {@link #onCaughtUp()} is for the first read: a listener that dropped its fold acts on the new one from here
         * on (never on a half-read one). Not called when the recreation came before the first catch-up (then
         * {@link #onCaughtUp()} comes once, after the new topic was read).
         */
        default void onReadAgain() {}
    }

    /**
     * A listener that decides what becomes of the records and hands every life-cycle call ({@link
     * Listener#onCaughtUp}, {@link Listener#onError}, {@link Listener#afterPoll}, {@link Listener#onTopicRecreated},
     * {@link Listener#onReadAgain}) on to {@code next}: the one way to put a filter or a router in front of a
     * listener.
     */
    public abstract static class ForwardingListener implements Listener {
        protected final Listener next;

        protected ForwardingListener(Listener next) {
            this.next = java.util.Objects.requireNonNull(next, "listener");
        }

        @Override
        public void onCaughtUp() {
            next.onCaughtUp();
        }

        @Override
        public void onError(Throwable error) {
            next.onError(error);
        }

        @Override
        public void afterPoll() {
            next.afterPoll();
        }

        @Override
        public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
            next.onTopicRecreated(topic, oldTopicId, newTopicId);
        }

        @Override
        public void onReadAgain() {
            next.onReadAgain();
        }
    }

    private final Consumer<String, String> consumer;
    /** The fixed topics and then the followed ones (replaced, never mutated: reader thread writes). */
    private volatile List<String> topics;
    /** Topics of {@link #topics} found by the follow pattern (reader thread only). */
    private final Set<String> followed = new TreeSet<>();

    private final Pattern follow;
    private KafkaFuture<Set<String>> pendingList;
    private Map<String, KafkaFuture<TopicDescription>> pendingNew;
    private long nextList;
    private boolean overFollowLimitReported;
    private final Listener listener;
    private final Duration topicWait;
    private final Duration pollInterval;
    private final String bootstrapServers;
    private final CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;
    private volatile long recordsDelivered;
    private volatile int topicRecreations;
    private final Properties adminProperties;
    private SharedAdmin.Lease adminLease;
    private Admin admin;
    /** Topic ids as read at start or after the last recreation (reader thread only). */
    private final Map<String, Uuid> topicIds = new HashMap<>();
    /** Topics seen gone (reported once each). */
    private final Set<String> gone = new HashSet<>();

    private Map<String, KafkaFuture<TopicDescription>> pendingCheck;
    private long nextCheck;

    private StateTopicReader(
            KafkaSettings settings,
            Collection<String> topics,
            Pattern follow,
            Listener listener,
            Duration topicWait,
            Duration pollInterval) {
        if (topics.isEmpty()) {
            throw new IllegalArgumentException("no topic");
        }
        this.topics = List.copyOf(topics);
        this.follow = follow;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.topicWait = Objects.requireNonNull(topicWait, "topicWait");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isNegative() || pollInterval.isZero() || pollInterval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("poll interval must be in (0, 10 s], got " + pollInterval);
        }
        Properties consumerProps = withClientId(settings.stateConsumer(), settings.uniqueClientId("state"));
        // never reset a position by itself: a position outside the log is the sign of a recreated topic (see above)
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        this.consumer = new KafkaConsumer<>(consumerProps);
        this.adminProperties = withClientId(settings.admin(), settings.uniqueClientId("state-admin"));
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
        return start(settings, topics, null, listener, topicWait, pollInterval);
    }

    /**
     * As {@link #start(KafkaSettings, Collection, Listener, Duration, Duration)}, also following every topic whose whole
     * name matches {@code follow} (null: none), found at start or created later (see the class comment).
     */
    public static StateTopicReader start(
            KafkaSettings settings,
            Collection<String> topics,
            Pattern follow,
            Listener listener,
            Duration topicWait,
            Duration pollInterval) {
        StateTopicReader r = new StateTopicReader(settings, topics, follow, listener, topicWait, pollInterval);
        r.thread.start();
        return r;
    }

    /** The topics read now: the fixed ones, then those followed by the pattern so far. */
    public List<String> topics() {
        return topics;
    }

    /**
     * A listener folding records into {@code map} (put, or remove for a tombstone); a recreated topic clears the map
     * (it is read again from offset 0).
     */
    public static Listener folding(Map<String, String> map) {
        return new Listener() {
            @Override
            public void onRecord(StateRecord r) {
                if (r.isTombstone()) {
                    map.remove(r.key());
                } else {
                    map.put(r.key(), r.value());
                }
            }

            @Override
            public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                map.clear();
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

    /** How often a topic of this reader was seen deleted and recreated (each time read again from offset 0). */
    public int topicRecreations() {
        return topicRecreations;
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
            adminLease = SharedAdmin.acquire(adminProperties); // the process's one Admin of this identity
            admin = adminLease.admin();
            partitions.addAll(followedAtStart());
            readTopicIdsAtStart();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = awaitEndOffsets(partitions);
            if (end == null) {
                return; // closed while waiting
            }
            nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOPIC_ID_CHECK_MS);
            LOG.debug("state reader {} end offsets at start {}", topics, end);
            boolean done = false;
            boolean readingAgain = false; // after a recreation: until the ends captured then are reached
            while (!closed.get()) {
                if (!done || readingAgain) {
                    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (end.isEmpty()) {
                        readingAgain = false;
                        if (!done) {
                            done = true;
                            listener.onCaughtUp();
                            caughtUp.complete(null);
                            LOG.debug("state reader {} caught up after {} records", topics, recordsDelivered);
                        } else {
                            LOG.info("state reader {} read its topics again to their end after a recreation", topics);
                            listener.onReadAgain();
                        }
                    }
                }
                ConsumerRecords<String, String> records;
                try {
                    records = consumer.poll(pollInterval);
                } catch (InvalidOffsetException e) {
                    List<TopicPartition> again = outsideTheLog(e);
                    if (again == null) {
                        return; // closed while asking
                    }
                    if (!again.isEmpty()) { // recreated: read again up to the ends of now
                        if ((end = awaitEndOffsets(again)) == null) {
                            return;
                        }
                        readingAgain = true;
                    }
                    listener.afterPoll();
                    continue;
                }
                for (ConsumerRecord<String, String> r : records) {
                    listener.onRecord(
                            new StateRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
                    recordsDelivered++;
                }
                listener.afterPoll();
                checkFollowed();
                if (checkTopicIds()) {
                    List<TopicPartition> again = restartAfterRecreation();
                    if (again == null || (end = awaitEndOffsets(again)) == null) {
                        return; // closed while waiting
                    }
                    readingAgain = true;
                }
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
            if (adminLease != null) {
                try {
                    adminLease.close(Duration.ofSeconds(2));
                } catch (RuntimeException e) {
                    LOG.debug("closing state reader admin client", e);
                }
            }
        }
    }

    /** The ids of the topics once at start (bounded; a topic not answered now gets its id at the first check). */
    private void readTopicIdsAtStart() {
        Map<String, KafkaFuture<TopicDescription>> d =
                admin.describeTopics(topics).topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : d.entrySet()) {
            try {
                topicIds.put(
                        e.getKey(),
                        e.getValue()
                                .get(requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                                .topicId());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception ex) {
                LOG.warn(
                        "state reader {}: no topic id of {} yet ({}), checked again later",
                        topics,
                        e.getKey(),
                        ex.toString());
            }
        }
    }

    /** Recreated topics found by the last completed check: topic -> {old id, new id}. */
    private final Map<String, Uuid[]> recreated = new java.util.TreeMap<>();

    /**
     * The periodic check, never blocking: starts a describe when due, evaluates it once done. True when a topic was
     * recreated ({@link #recreated} filled).
     */
    private boolean checkTopicIds() {
        if (pendingCheck == null) {
            if (System.nanoTime() - nextCheck < 0) {
                return false;
            }
            pendingCheck = admin.describeTopics(topics).topicNameValues();
            return false;
        }
        if (!pendingCheck.values().stream().allMatch(KafkaFuture::isDone)) {
            return false;
        }
        Map<String, KafkaFuture<TopicDescription>> done = pendingCheck;
        pendingCheck = null;
        nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOPIC_ID_CHECK_MS);
        return evaluate(done);
    }

    /** Compares the described ids with the known ones; true when a topic has a new id. */
    private boolean evaluate(Map<String, KafkaFuture<TopicDescription>> described) {
        recreated.clear();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            String topic = e.getKey();
            Uuid id;
            try {
                id = e.getValue().getNow(null).topicId();
            } catch (java.util.concurrent.ExecutionException ex) {
                if (ex.getCause() instanceof UnknownTopicOrPartitionException && gone.add(topic)) {
                    LOG.warn("state topic {} was deleted: keeping the state read so far until it exists again", topic);
                }
                continue; // no answer (broker away) or gone: nothing to compare
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return false;
            }
            gone.remove(topic);
            Uuid known = topicIds.putIfAbsent(topic, id);
            if (known != null && !known.equals(id)) {
                recreated.put(topic, new Uuid[] {known, id});
            }
        }
        return !recreated.isEmpty();
    }

    /**
     * A position outside the log: a recreated topic (then true after reading it again), or the log start moved past
     * it on the same topic (then the partitions go to their beginning, what {@code earliest} did). Asks for the ids
     * at once (bounded); without an answer nothing is moved and the next poll asks again.
     */
    private List<TopicPartition> outsideTheLog(InvalidOffsetException e) {
        pendingCheck = null;
        // the fixed topics and the followed ones concerned (a followed topic deleted since must not block the answer)
        List<String> ask = new ArrayList<>(topics);
        ask.removeIf(t -> followed.contains(t)
                && e.partitions().stream().noneMatch(tp -> tp.topic().equals(t)));
        Map<String, KafkaFuture<TopicDescription>> d = admin.describeTopics(ask).topicNameValues();
        try {
            KafkaFuture.allOf(d.values().toArray(new KafkaFuture<?>[0])).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception ignored) {
            // evaluated one by one below
        }
        if (d.values().stream().allMatch(KafkaFuture::isDone) && evaluate(d)) {
            return restartAfterRecreation();
        }
        if (d.values().stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally())) {
            LOG.warn(
                    "state reader {}: {} outside the log of the same topic, reading from its beginning",
                    topics,
                    e.partitions());
            consumer.seekToBeginning(e.partitions());
            return List.of();
        }
        try {
            Thread.sleep(pollInterval.toMillis()); // gone or no answer: ask again after a poll interval, not in a spin
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return null;
        }
        return List.of();
    }

    /** Reports the recreated topics, lets the listener drop its fold, and reads every topic again from offset 0. */
    private List<TopicPartition> restartAfterRecreation() {
        for (Map.Entry<String, Uuid[]> r : recreated.entrySet()) {
            LOG.warn(
                    "state topic {} was deleted and recreated (topic id {} -> {}): dropping what was read from the"
                            + " old topic and reading {} again from offset 0",
                    r.getKey(),
                    r.getValue()[0],
                    r.getValue()[1],
                    topics);
            listener.onTopicRecreated(r.getKey(), r.getValue()[0].toString(), r.getValue()[1].toString());
            topicIds.put(r.getKey(), r.getValue()[1]);
        }
        topicRecreations++;
        recreated.clear();
        List<TopicPartition> partitions = awaitPartitions();
        if (partitions == null) {
            return null;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        nextCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TOPIC_ID_CHECK_MS);
        return partitions;
    }

    /**
     * The topics matching the follow pattern at start, bounded by one request timeout (none found now: the periodic
     * check finds them); returns their partitions, to be read up to their end before the catch-up.
     */
    private List<TopicPartition> followedAtStart() {
        if (follow == null) return List.of();
        nextList = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FOLLOW_CHECK_MS);
        try {
            Set<String> names = admin.listTopics().names().get(requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            List<String> fresh = newMatches(names);
            if (fresh.isEmpty()) return List.of();
            Map<String, KafkaFuture<TopicDescription>> d =
                    admin.describeTopics(fresh).topicNameValues();
            KafkaFuture.allOf(d.values().toArray(new KafkaFuture<?>[0]))
                    .get(requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return adopt(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (Exception e) {
            LOG.warn(
                    "state reader {}: topics matching {} not listed at start ({}), looked for again later",
                    topics,
                    follow,
                    e.toString());
            return List.of();
        }
    }

    /** Names matching the pattern that are not read yet, sorted, within {@link #MAX_FOLLOWED}. */
    private List<String> newMatches(Set<String> names) {
        List<String> fresh = new ArrayList<>(new TreeSet<>(names));
        fresh.removeIf(n -> !follow.matcher(n).matches() || topics.contains(n));
        int room = MAX_FOLLOWED - followed.size();
        if (fresh.size() > room) {
            if (!overFollowLimitReported) {
                overFollowLimitReported = true;
                LOG.error(
                        "state reader {}: {} topics match {}, more than the {} one reader follows: not reading {}",
                        topics,
                        followed.size() + fresh.size(),
                        follow,
                        MAX_FOLLOWED,
                        fresh.subList(Math.max(0, room), fresh.size()));
            }
            fresh = fresh.subList(0, Math.max(0, room));
        }
        return fresh;
    }

    /**
     * Takes the described new topics into {@link #topics} (with their ids) and returns their partitions; a topic
     * without an answer or without partitions yet is left for the next check.
     */
    private List<TopicPartition> adopt(Map<String, KafkaFuture<TopicDescription>> described) {
        List<TopicPartition> parts = new ArrayList<>();
        List<String> now = new ArrayList<>(topics);
        for (Map.Entry<String, KafkaFuture<TopicDescription>> e : described.entrySet()) {
            TopicDescription d;
            try {
                d = e.getValue().getNow(null);
            } catch (Exception ex) {
                LOG.debug("state reader {}: new topic {} not described yet ({})", topics, e.getKey(), ex.toString());
                continue;
            }
            if (d == null || d.partitions().isEmpty()) continue;
            followed.add(e.getKey());
            now.add(e.getKey());
            topicIds.put(e.getKey(), d.topicId());
            d.partitions().forEach(p -> parts.add(new TopicPartition(e.getKey(), p.partition())));
            LOG.info("state reader: following topic {} (matches {}), reading it from offset 0", e.getKey(), follow);
        }
        topics = List.copyOf(now);
        return parts;
    }

    /**
     * The periodic look for new topics matching the pattern, never blocking: lists the names when due, describes the
     * new ones once listed, and assigns them from offset 0 once described.
     */
    private void checkFollowed() {
        if (follow == null) return;
        if (pendingNew != null) {
            if (!pendingNew.values().stream().allMatch(KafkaFuture::isDone)) return;
            Map<String, KafkaFuture<TopicDescription>> d = pendingNew;
            pendingNew = null;
            List<TopicPartition> fresh = adopt(d);
            if (!fresh.isEmpty()) {
                List<TopicPartition> all = new ArrayList<>(consumer.assignment());
                all.addAll(fresh);
                consumer.assign(all); // the partitions assigned before keep their positions
                consumer.seekToBeginning(fresh);
            }
            return;
        }
        if (pendingList == null) {
            if (System.nanoTime() - nextList < 0) return;
            pendingList = admin.listTopics().names();
            return;
        }
        if (!pendingList.isDone()) return;
        KafkaFuture<Set<String>> listed = pendingList;
        pendingList = null;
        nextList = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FOLLOW_CHECK_MS);
        Set<String> names;
        try {
            names = listed.getNow(null);
        } catch (Exception e) {
            LOG.debug("state reader {}: topics not listed ({}), asking again later", topics, e.toString());
            return;
        }
        List<String> fresh = newMatches(names);
        if (!fresh.isEmpty()) pendingNew = admin.describeTopics(fresh).topicNameValues();
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
                    if (followed.contains(t)) continue; // a followed topic is never waited for (deleted: skipped)
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
