package io.videolb.health.kafka;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.json.Json;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.KafkaSettings;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes verdicts to the health topic keyed by server address, checker status keyed
 * {@code checker/ID}; kafka-support's {@link EventPublisher} (acks=all, idempotent). Sends do not
 * wait: the outcome is counted ({@link #sent}, {@link #failed}) and a failure logged.
 */
public final class KafkaVerdictSink implements VerdictSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaVerdictSink.class);
    private final EventPublisher publisher;
    private final String topic;
    public final AtomicLong sent = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();

    public KafkaVerdictSink(KafkaSettings settings, String topic) {
        this.publisher = new EventPublisher(settings);
        this.topic = topic;
        publisher.partitionsFor(topic); // load metadata now, so send() does not block the event loop later
    }

    @Override
    public void verdict(HealthVerdict v) {
        send(v.server().toString(), Json.write(v));
    }

    @Override
    public void checker(CheckerStatus s) {
        send(s.key(), Json.write(s));
    }

    private void send(String key, String value) {
        publisher.publishAsync(topic, key, value).whenComplete((md, e) -> {
            if (e == null) {
                sent.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.error("cannot publish health record {}: {}", key, e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        publisher.close();
    }
}
