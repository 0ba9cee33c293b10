package io.videolb.agent.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a compacted state topic from offset 0 on every start (assign + seekToBeginning, no group,
 * no committed offsets), signals when it has read to the end offsets it saw at start, then keeps
 * following. Records are handed to {@code handler} on this follower's own thread, in order per
 * partition. Only read_committed records are seen, so an aborted import never arrives.
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);

    private final String topic;
    private final KafkaConsumer<String, String> consumer;
    private final BiConsumer<String, String> handler;
    private final Runnable onCaughtUp;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public TopicFollower(String bootstrap, String topic, String clientId, BiConsumer<String, String> handler, Runnable onCaughtUp) {
        this.topic = topic;
        this.handler = handler;
        this.onCaughtUp = onCaughtUp;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.thread = new Thread(this::loop, "follow-" + topic);
        this.thread.setDaemon(true);
    }

    public TopicFollower start() {
        thread.start();
        return this;
    }

    public boolean awaitCaughtUp(Duration d) throws InterruptedException {
        return caughtUp.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    private void loop() {
        try {
            List<TopicPartition> parts = List.of();
            while (running && parts.isEmpty()) {
                List<PartitionInfo> info;
                try {
                    info = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // a slow or not yet reachable broker is not fatal: keep trying until closed
                    LOG.warn("{}: no metadata yet ({}), retrying", topic, e.getMessage());
                    continue;
                }
                if (info == null || info.isEmpty()) {
                    LOG.info("waiting for topic {} to exist", topic);
                    Thread.sleep(1000);
                    continue;
                }
                parts = info.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = null;
            while (running && end == null) {
                try {
                    end = new HashMap<>(consumer.endOffsets(parts, Duration.ofSeconds(10)));
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    LOG.warn("{}: no end offsets yet ({}), retrying", topic, e.getMessage());
                }
            }
            if (end == null) return;
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.key() == null) continue;
                    try {
                        handler.accept(r.key(), r.value());
                    } catch (RuntimeException e) {
                        LOG.warn("{}: record {} at offset {} skipped: {}", topic, r.key(), r.offset(), e.getMessage());
                    }
                }
                if (caughtUp.getCount() > 0) {
                    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (end.isEmpty()) {
                        caughtUp.countDown();
                        LOG.info("{} read to the end", topic);
                        onCaughtUp.run();
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("follower of {} stopped: {}", topic, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
