package io.videolb.testsupport.kafka;

import io.videolb.kafka.KafkaSettings;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The end of partitions once no transaction on them is still closing: the read_committed end (last stable
 * offset) equals the read_uncommitted end (high watermark).
 *
 * <p>{@code commitTransaction()} returns once the transaction coordinator has decided; the commit markers reach
 * the data partitions a moment later, and until then the last stable offset stands before that transaction. A
 * read_committed reader started in that moment reads "to the end" without the transaction just committed (seen in
 * CI: a test that published and at once read the difference got the whole previous generation). Videolb's readers
 * accept that (they follow the topic and see it next); a test that must see its own write waits here first. Only tests
 * need it, so it lives in test-support (kafka-support's own ITs wait for what they expect to read instead).
 * A transaction left open (a producer that died mid-transaction) keeps the ends apart until the broker aborts it
 * ({@code transaction.timeout.ms}): hence the bound.
 */
public final class TopicEnds {
    private TopicEnds() {}

    /** The stable end offsets of {@code partitions}, waiting at most {@code timeout} for open transactions to close. */
    public static Map<TopicPartition, Long> awaitStable(
            KafkaSettings settings, Collection<TopicPartition> partitions, Duration timeout) throws TimeoutException {
        List<TopicPartition> parts = List.copyOf(partitions);
        Properties uncommitted = settings.stateConsumer();
        uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        uncommitted.put(
                ConsumerConfig.CLIENT_ID_CONFIG, uncommitted.getProperty(ConsumerConfig.CLIENT_ID_CONFIG) + "-hw");
        try (KafkaConsumer<String, String> committedView = new KafkaConsumer<>(settings.stateConsumer());
                KafkaConsumer<String, String> highWatermarkView = new KafkaConsumer<>(uncommitted)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            Duration request = Duration.ofMillis(Math.max(1, Math.min(timeout.toMillis(), 30_000)));
            for (int attempt = 1; ; attempt++) {
                Map<TopicPartition, Long> stable = new HashMap<>(committedView.endOffsets(parts, request));
                Map<TopicPartition, Long> high = highWatermarkView.endOffsets(parts, request);
                if (stable.equals(high)) return stable;
                if (System.nanoTime() - deadline > 0) {
                    throw new TimeoutException("a transaction still open on " + parts + " after " + timeout.toMillis()
                            + " ms (" + attempt + " reads; last stable " + stable + ", high watermark " + high + ")");
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TimeoutException("interrupted while waiting for open transactions on " + parts);
                }
            }
        }
    }

    /** As {@link #awaitStable(KafkaSettings, Collection, Duration)} for partition 0 of {@code topic}. */
    public static long awaitStable(KafkaSettings settings, String topic, Duration timeout) throws TimeoutException {
        TopicPartition tp = new TopicPartition(topic, 0);
        return awaitStable(settings, List.of(tp), timeout).get(tp);
    }
}
