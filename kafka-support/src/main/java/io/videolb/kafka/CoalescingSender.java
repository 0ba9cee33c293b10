package io.videolb.kafka;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends keyed records of a compacted state topic from its own named thread, so that the caller never blocks on
 * Kafka ({@code KafkaProducer.send()} may block for {@code max.block.ms} while no broker answers). {@link #offer}
 * only queues; while a record for a key waits, a newer one for the same key replaces it (the topic is compacted by
 * key: only the newest counts), so the queue holds at most one record per key. Every producer of latest-per-key
 * state uses it: an agent's status, health-service's verdicts and checker records ({@code KafkaVerdictSink}).
 */
public final class CoalescingSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CoalescingSender.class);
    /** How long {@link #close()} lets the thread hand the queued records to the producer. */
    public static final Duration CLOSE_DRAIN = Duration.ofSeconds(10);

    /** Hands one record to the producer; may block; the future completes with the broker's answer. */
    public interface Send {
        CompletableFuture<?> send(String key, String value);
    }

    private final String name;
    private final Send send;
    private final AutoCloseable producer;
    private final LinkedHashMap<String, String> queued = new LinkedHashMap<>(); // guarded by this; oldest first
    private boolean closing; // guarded by this
    private final Thread thread;
    public final AtomicLong sent = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();
    public final AtomicLong superseded = new AtomicLong();

    /** Sends through {@code send}; {@code producer} is closed by {@link #close()}; the thread is named {@code name}. */
    public CoalescingSender(String name, Send send, AutoCloseable producer) {
        this.name = Objects.requireNonNull(name, "name");
        this.send = Objects.requireNonNull(send, "send");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.thread = NamedThreads.thread(name, this::run);
        thread.start();
    }

    /** A sender to {@code topic} over an {@link EventPublisher} (whose producer this sender closes). */
    public static CoalescingSender to(String name, EventPublisher publisher, String topic) {
        Objects.requireNonNull(topic, "topic");
        return new CoalescingSender(name, (k, v) -> publisher.publishAsync(topic, k, v), publisher);
    }

    /** Queues the newest value for {@code key} (null: tombstone); never blocks on Kafka. */
    public synchronized void offer(String key, String value) {
        Objects.requireNonNull(key, "key");
        if (closing) {
            LOG.debug("{}: record {} after close dropped", name, key);
            return;
        }
        boolean had = queued.containsKey(key);
        queued.remove(key); // re-insert at the end: the newest value keeps the order of its arrival
        queued.put(key, value);
        if (had) superseded.incrementAndGet();
        notifyAll();
    }

    /** Records waiting for the thread. */
    public synchronized int queuedCount() {
        return queued.size();
    }

    private void run() {
        while (true) {
            String key;
            String value;
            synchronized (this) {
                while (queued.isEmpty() && !closing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (queued.isEmpty()) return;
                Iterator<Map.Entry<String, String>> oldest = queued.entrySet().iterator();
                Map.Entry<String, String> e = oldest.next();
                key = e.getKey();
                value = e.getValue();
                oldest.remove();
            }
            try {
                send.send(key, value).whenComplete((md, e) -> {
                    if (e == null) sent.incrementAndGet();
                    else {
                        failed.incrementAndGet();
                        LOG.warn("{}: record {} not published: {}", name, key, e.toString());
                    }
                });
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                LOG.warn("{}: record {} not published: {}", name, key, e.toString());
            }
        }
    }

    /** Hands the queued records to the producer (bounded by {@link #CLOSE_DRAIN}), then closes it. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) return;
            closing = true;
            notifyAll();
        }
        try {
            thread.join(CLOSE_DRAIN.toMillis());
            if (thread.isAlive()) {
                LOG.warn("{} did not hand over its {} queued record(s) in time", name, queuedCount());
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.close();
        } catch (Exception e) {
            LOG.warn("{}: closing the producer: {}", name, e.toString());
        }
    }
}
