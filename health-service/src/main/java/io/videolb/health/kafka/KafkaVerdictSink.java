package io.videolb.health.kafka;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.json.Json;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes verdicts to the health topic keyed by server address, checker status keyed {@code checker/ID}; acks=all, idempotent. */
public final class KafkaVerdictSink implements VerdictSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaVerdictSink.class);
    private final KafkaProducer<String, String> producer;
    private final String topic;
    public final AtomicLong sent = new AtomicLong();
    public final AtomicLong failed = new AtomicLong();

    public KafkaVerdictSink(String bootstrap, String topic, String clientId) {
        this.producer = new KafkaProducer<>(KafkaClients.producer(bootstrap, clientId));
        this.topic = topic;
        producer.partitionsFor(topic); // load metadata now, so send() does not block the event loop later
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
        producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
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
        producer.close(Duration.ofSeconds(5));
    }
}
