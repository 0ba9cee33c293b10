package io.videolb.health.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.json.Json;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.KafkaSettings;
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
 * Publishes verdicts to the health topic keyed by server address, checker status keyed
 * {@code checker/ID}; kafka-support's {@link EventPublisher} (acks=all, idempotent).
 *
 * <p>The scheduler calls {@link #verdict} and {@link #checker} on its event loop, and
 * {@code KafkaProducer.send()} may block for {@code max.block.ms} (no metadata, full buffer: a broker
 * away). So those calls only queue the record; one named thread ({@code health-publisher}) sends
 * them in order. While the broker is away, a newer record for a key replaces the queued one (the
 * topic is compacted by key: only the newest per server counts, and its sequence is higher), so the
 * queue holds at most one record per server and per-server order is kept. Outcomes are counted
 * ({@link #sent}, {@link #failed}, {@link #superseded}) and a failure logged.
 */
public final class KafkaVerdictSink implements VerdictSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaVerdictSink.class);
    /** How long {@link #close()} lets the thread hand the queued records to the producer. */
    static final Duration CLOSE_DRAIN = Duration.ofSeconds(10);

    /** Hands one record to the producer; may block (max.block.ms); the future completes with the broker's answer. */
    interface Send {
        CompletableFuture<?> send(String key, String value);
    }

    private final Send send;
    private final AutoCloseable producer;
    private final LinkedHashMap<String, String> queued = new LinkedHashMap<>(); // guarded by this; oldest first
    private boolean closing; // guarded by this
    private final Thread thread;
    public final AtomicLong sent = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();
    /** Queued records replaced by a newer one for the same key before they were sent. */
    public final AtomicLong superseded = new AtomicLong();

    /** Opens the producer and loads the topic's metadata (blocks up to max.block.ms: call off the event loop). */
    public KafkaVerdictSink(KafkaSettings settings, String topic, MeterRegistry registry) {
        this(withMetadata(new EventPublisher(settings), topic), topic, registry);
    }

    private KafkaVerdictSink(EventPublisher publisher, String topic, MeterRegistry registry) {
        this((k, v) -> publisher.publishAsync(topic, k, v), publisher, registry);
    }

    KafkaVerdictSink(Send send, AutoCloseable producer, MeterRegistry registry) {
        this.send = Objects.requireNonNull(send, "send");
        this.producer = Objects.requireNonNull(producer, "producer");
        FunctionCounter.builder("videolb.health.published", sent, AtomicLong::get)
                .description("Health records (verdicts, checker status) the broker acknowledged")
                .register(registry);
        FunctionCounter.builder("videolb.health.publish.failures", failed, AtomicLong::get)
                .description("Health records the producer failed to deliver")
                .register(registry);
        FunctionCounter.builder("videolb.health.publish.superseded", superseded, AtomicLong::get)
                .description("Queued health records replaced by a newer one for the same key before they were sent")
                .register(registry);
        Gauge.builder("videolb.health.publish.queued", this, KafkaVerdictSink::queuedCount)
                .description("Health records waiting for the publisher thread")
                .register(registry);
        this.thread = NamedThreads.thread("health-publisher", this::run);
        thread.start();
    }

    private static EventPublisher withMetadata(EventPublisher publisher, String topic) {
        try {
            publisher.partitionsFor(topic); // now, so that the first sends need not wait for it
            return publisher;
        } catch (RuntimeException e) {
            publisher.close();
            throw e;
        }
    }

    @Override
    public void verdict(HealthVerdict v) {
        queue(v.server().toString(), Json.write(v));
    }

    @Override
    public void checker(CheckerStatus s) {
        queue(s.key(), Json.write(s));
    }

    @Override
    public void checkerGone(String checkerId) {
        queue(CheckerStatus.KEY_PREFIX + checkerId, null); // a tombstone; sent before close() returns (bounded)
    }

    /** Never blocks on Kafka: takes this object's lock for a map operation only. {@code value} null: a tombstone. */
    private synchronized void queue(String key, String value) {
        if (closing) {
            LOG.debug("health record {} after close: dropped", key);
            return;
        }
        if (queued.containsKey(key)) superseded.incrementAndGet();
        queued.put(key, value);
        notifyAll();
    }

    synchronized int queuedCount() {
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
                if (queued.isEmpty()) return; // closing, everything handed over
                Iterator<Map.Entry<String, String>> oldest = queued.entrySet().iterator();
                Map.Entry<String, String> e = oldest.next();
                key = e.getKey();
                value = e.getValue();
                oldest.remove();
            }
            try {
                send.send(key, value).whenComplete((md, e) -> {
                    if (e == null) {
                        sent.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        LOG.error("cannot publish health record {}: {}", key, e.getMessage());
                    }
                });
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                LOG.error("cannot publish health record {}: {}", key, e.toString());
            }
        }
    }

    /** Hands the queued records to the producer (bounded by {@link #CLOSE_DRAIN}), then closes it (which flushes them). */
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
                LOG.warn(
                        "health-publisher did not hand over its {} queued record(s) within {} s",
                        queuedCount(),
                        CLOSE_DRAIN.toSeconds());
                thread.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            producer.close();
        } catch (Exception e) {
            LOG.warn("closing the health producer: {}", e.toString());
        }
    }
}
