package io.videolb.health.kafka;

import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the desired topic from offset 0 (assign + seek to beginning, no group, no committed
 * offsets), folds it into complete generations, and hands over the newest complete one: first
 * once it has read to the end (never a half-read state), then on every new generation.
 */
public final class DesiredReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DesiredReader.class);
    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final Consumer<DesiredSnapshot> onSnapshot;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;

    public DesiredReader(String bootstrap, String topic, String clientId, Consumer<DesiredSnapshot> onSnapshot) {
        this.consumer = new KafkaConsumer<>(KafkaClients.reader(bootstrap, clientId));
        this.topic = topic;
        this.onSnapshot = onSnapshot;
        this.thread = new Thread(this::run, "health-desired-reader");
        this.thread.setDaemon(true);
    }

    public DesiredReader start() {
        thread.start();
        return this;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        DesiredStateFolder folder = new DesiredStateFolder();
        try {
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            DesiredSnapshot handed = null;
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        folder.apply(r.key(), r.value());
                    } catch (RuntimeException e) {
                        LOG.error("desired topic record {} at offset {} rejected, keeping the last good generation: {}", r.key(), r.offset(), e.getMessage());
                    }
                }
                if (!caughtUp) {
                    boolean done = true;
                    for (TopicPartition tp : parts) done &= consumer.position(tp) >= end.get(tp);
                    if (!done) continue;
                    caughtUp = true;
                    LOG.info("desired state read to the end: generation {}", folder.latest().map(DesiredSnapshot::generation).orElse(0L));
                }
                Optional<DesiredSnapshot> latest = folder.latest();
                if (latest.isPresent() && latest.get() != handed) {
                    handed = latest.get();
                    onSnapshot.accept(handed);
                }
            }
        } catch (WakeupException e) {
            if (running) LOG.error("desired reader woken unexpectedly", e);
        } catch (RuntimeException e) {
            LOG.error("desired reader stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        if (!running) return;
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
