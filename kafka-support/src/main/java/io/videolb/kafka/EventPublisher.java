package io.videolb.kafka;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Plain idempotent producer ({@code acks=all}) for event topics and single state updates (a health
 * verdict, an agent status). Thread-safe.
 */
public final class EventPublisher implements AutoCloseable {
    private final Producer<String, String> producer;
    private final long awaitMs;

    public EventPublisher(KafkaSettings settings) {
        this.producer = new KafkaProducer<>(withClientId(settings.producer(), settings.uniqueClientId("events")));
        // send() may block up to max.block.ms, then delivery takes at most delivery.timeout.ms
        this.awaitMs = KafkaSettings.DELIVERY_TIMEOUT_MS + 5_000L;
    }

    /** Sends and waits for the broker's ack (bounded by the delivery timeout). Null value = tombstone. */
    public RecordMetadata publish(String topic, String key, String value) {
        try {
            return publishAsync(topic, key, value).get(awaitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PublishException("publish to " + topic + " failed: " + e.getCause(), e.getCause(), false);
        } catch (TimeoutException e) {
            throw new PublishException("publish to " + topic + " not acknowledged within " + awaitMs + " ms", e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to " + topic, e, false);
        }
    }

    /** Sends; the future completes with the ack or the error. */
    public CompletableFuture<RecordMetadata> publishAsync(String topic, String key, String value) {
        Objects.requireNonNull(topic, "topic");
        CompletableFuture<RecordMetadata> f = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, key, value), (md, ex) -> {
                if (ex != null) {
                    f.completeExceptionally(ex);
                } else {
                    f.complete(md);
                }
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /**
     * The number of partitions of {@code topic}; loads its metadata now (bounded by max.block.ms),
     * so that a later {@link #publishAsync} does not block on it (e.g. on an event loop).
     */
    public int partitionsFor(String topic) {
        return producer.partitionsFor(Objects.requireNonNull(topic, "topic")).size();
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }

    private static Properties withClientId(Properties p, String id) {
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, id);
        return p;
    }
}
