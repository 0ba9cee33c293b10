package io.videolb.kafka;

import static io.videolb.kafka.StateTopicReaderIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import io.videolb.kafka.StateTopicReader.StateRecord;
import io.videolb.kafka.TransactionalPublisher.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class TransactionalPublisherIT {

    @Test
    void committedBatchIsVisibleAsAWhole() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        List<Entry> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(new Entry(topics.desired(), "client/" + i, "{\"mark\":" + i + "}"));
        }
        batch.add(new Entry(topics.agentStatus(), "gen", "1"));
        batch.add(Entry.tombstone(topics.desired(), "client/0"));
        try (TransactionalPublisher pub =
                new TransactionalPublisher(TestBroker.settings("tx"), "tx-" + topics.prefix())) {
            List<RecordMetadata> md = pub.publish(batch);
            assertThat(md).hasSize(batch.size());
            assertThat(md.get(499).offset()).isEqualTo(499);
            // a second batch on the same producer
            pub.publish(List.of(new Entry(topics.agentStatus(), "gen", "2")));
        }
        Map<String, String> expected = new HashMap<>();
        for (int i = 1; i < 500; i++) expected.put("client/" + i, "{\"mark\":" + i + "}");
        expected.put("gen", "2");
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(
                TestBroker.settings("reader"),
                List.of(topics.desired(), topics.agentStatus()),
                StateTopicReader.folding(state),
                Duration.ofSeconds(30))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            awaitFolded(state, expected);
        }
    }

    @Test
    void readCommittedNeverSeesAnOpenTransaction() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        List<StateRecord> seen = new CopyOnWriteArrayList<>();
        try (StateTopicReader reader =
                StateTopicReader.start(TestBroker.settings("reader"), topics.desired(), seen::add)) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Properties p = TestBroker.settings("raw-tx").transactionalProducer("raw-" + topics.prefix());
            try (KafkaProducer<String, String> raw = new KafkaProducer<>(p)) {
                raw.initTransactions();
                raw.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    raw.send(new ProducerRecord<>(topics.desired(), "half" + i, "x"));
                }
                raw.flush();
                // the records are in the log ...
                assertThat(readUncommitted(topics.desired())).isEqualTo(5);
                // ... but a read_committed reader does not see any of them while the transaction is open
                Thread.sleep(1500);
                assertThat(seen).isEmpty();
                raw.commitTransaction();
            }
            await(() -> seen.size() == 5);
        }
    }

    @Test
    void failedBatchIsAbortedInvisibleAndThePublisherStaysUsable() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        String huge = "x".repeat(2 * 1024 * 1024); // larger than max.request.size: fails inside the transaction
        try (TransactionalPublisher pub =
                new TransactionalPublisher(TestBroker.settings("tx"), "tx-" + topics.prefix())) {
            pub.publish(List.of(new Entry(topics.desired(), "before", "1")));
            assertThatThrownBy(() -> pub.publish(List.of(
                            new Entry(topics.desired(), "a1", "1"),
                            new Entry(topics.desired(), "a2", "2"),
                            new Entry(topics.desired(), "big", huge),
                            new Entry(topics.desired(), "a3", "3"))))
                    .isInstanceOf(PublishException.class)
                    .satisfies(
                            e -> assertThat(((PublishException) e).isFenced()).isFalse());
            pub.publish(List.of(new Entry(topics.desired(), "after", "1")));
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(
                TestBroker.settings("reader"), topics.desired(), StateTopicReader.folding(state))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            awaitFolded(state, Map.of("before", "1", "after", "1"));
        }
    }

    @Test
    void aFencedPublisherFailsAndPublishesNothing() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        String txId = "tx-" + topics.prefix();
        try (TransactionalPublisher zombie = new TransactionalPublisher(TestBroker.settings("tx"), txId);
                TransactionalPublisher successor = new TransactionalPublisher(TestBroker.settings("tx"), txId)) {
            zombie.publish(List.of(new Entry(topics.desired(), "z1", "1")));
            successor.publish(List.of(new Entry(topics.desired(), "s1", "1")));
            assertThatThrownBy(() -> zombie.publish(List.of(new Entry(topics.desired(), "z2", "1"))))
                    .isInstanceOf(PublishException.class);
            assertThat(zombie.isFenced()).isTrue();
            assertThatThrownBy(() -> zombie.publish(List.of(new Entry(topics.desired(), "z3", "1"))))
                    .isInstanceOf(PublishException.class)
                    .satisfies(
                            e -> assertThat(((PublishException) e).isFenced()).isTrue());
            successor.publish(List.of(new Entry(topics.desired(), "s2", "1")));
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(
                TestBroker.settings("reader"), topics.desired(), StateTopicReader.folding(state))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            awaitFolded(state, Map.of("z1", "1", "s1", "1", "s2", "1"));
        }
    }

    /**
     * Waits until the reader has folded exactly {@code expected}. {@code commitTransaction()} returns before the commit
     * markers reach the partitions, so a reader started at once may catch up to an end before them; it follows the topic
     * and folds the transaction a moment later (as videolb's readers do). A record that should never be visible (an
     * aborted or fenced write) sits before the last expected one, so it would show up before {@code expected} is met.
     */
    private static void awaitFolded(Map<String, String> state, Map<String, String> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!state.equals(expected) && System.nanoTime() < deadline) Thread.sleep(20);
        assertThat(state).isEqualTo(expected);
    }

    private static int readUncommitted(String topic) {
        Properties c = TestBroker.settings("uncommitted").stateConsumer();
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            int n = 0;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (n < 5 && System.nanoTime() < deadline) {
                n += consumer.poll(Duration.ofMillis(200)).count();
            }
            return n;
        }
    }
}
