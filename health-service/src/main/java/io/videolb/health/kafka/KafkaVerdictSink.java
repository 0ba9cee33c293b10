package io.videolb.health.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ServerStreams;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.json.Json;
import io.videolb.kafka.CoalescingSender;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.Ipv4Address;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Publishes verdicts to the health topic keyed by server address, checker status keyed
 * {@code checker/ID}; kafka-support's {@link EventPublisher} (acks=all, idempotent).
 *
 * <p>The scheduler calls {@link #verdict} and {@link #checker} on its event loop, and
 * {@code KafkaProducer.send()} may block for {@code max.block.ms} (no metadata, full buffer: a broker
 * away). So those calls only queue the record in kafka-support's {@link CoalescingSender}, whose named thread
 * ({@code health-publisher}) sends them in order. While the broker is away, a newer record for a key replaces the
 * queued one (the topic is compacted by key: only the newest per server counts, and its sequence is higher), so the
 * queue holds at most one record per server and per-server order is kept. Outcomes are counted
 * ({@link #sent}, {@link #failed}, {@link #superseded}) and a failure logged.
 */
public final class KafkaVerdictSink implements VerdictSink, AutoCloseable {
    private final CoalescingSender sender;
    public final AtomicLong sent;
    public final AtomicLong failed;
    /** Queued records replaced by a newer one for the same key before they were sent. */
    public final AtomicLong superseded;

    /** Opens the producer and loads the topic's metadata (blocks up to max.block.ms: call off the event loop). */
    public KafkaVerdictSink(KafkaSettings settings, String topic, MeterRegistry registry) {
        this(withMetadata(new EventPublisher(settings), topic), topic, registry);
    }

    private KafkaVerdictSink(EventPublisher publisher, String topic, MeterRegistry registry) {
        this((k, v) -> publisher.publishAsync(topic, k, v), publisher, registry);
    }

    /** {@code send} hands one record to the producer and may block; {@code producer} is closed by {@link #close()}. */
    KafkaVerdictSink(CoalescingSender.Send send, AutoCloseable producer, MeterRegistry registry) {
        this.sender = new CoalescingSender("health-publisher", send, producer);
        this.sent = sender.sent;
        this.failed = sender.failed;
        this.superseded = sender.superseded;
        FunctionCounter.builder("videolb.health.published", sent, AtomicLong::get)
                .description("Health records (verdicts, checker status) the broker acknowledged")
                .register(registry);
        FunctionCounter.builder("videolb.health.publish.failures", failed, AtomicLong::get)
                .description("Health records the producer failed to deliver")
                .register(registry);
        FunctionCounter.builder("videolb.health.publish.superseded", superseded, AtomicLong::get)
                .description("Queued health records replaced by a newer one for the same key before they were sent")
                .register(registry);
        Gauge.builder("videolb.health.publish.queued", sender, CoalescingSender::queuedCount)
                .description("Health records waiting for the publisher thread")
                .register(registry);
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
        sender.offer(v.server().toString(), Json.write(v));
    }

    @Override
    public void checker(CheckerStatus s) {
        sender.offer(s.key(), Json.write(s));
    }

    @Override
    public void checkerGone(String checkerId) {
        // a tombstone, queued last (a pending heartbeat of this checker is replaced); sent before close() returns
        sender.offer(CheckerStatus.KEY_PREFIX + checkerId, null);
    }

    /** A server's stream inventory ({@code inventory/IP}); queued like a verdict, a newer one replaces it. */
    public void inventory(ServerStreams s) {
        sender.offer(s.key(), Json.write(s));
    }

    /** The server left: its inventory is tombstoned. */
    public void inventoryGone(Ipv4Address server) {
        sender.offer(ServerStreams.KEY_PREFIX + server, null);
    }

    int queuedCount() {
        return sender.queuedCount();
    }

    /** Hands the queued records to the producer (bounded by {@link CoalescingSender#CLOSE_DRAIN}), then closes it. */
    @Override
    public void close() {
        sender.close();
    }
}
