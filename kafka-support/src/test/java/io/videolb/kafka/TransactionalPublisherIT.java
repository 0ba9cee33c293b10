package io.videolb.kafka;

import static io.videolb.kafka.StateTopicReaderIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.videolb.events.Topics;
import io.videolb.kafka.StateTopicReader.StateRecord;
import io.videolb.kafka.TransactionalPublisher.Entry;

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
        try (TransactionalPublisher pub = new TransactionalPublisher(TestBroker.settings("tx"), "tx-" + topics.prefix())) {
            List<RecordMetadata> md = pub.publish(batch);
            assertThat(md).hasSize(batch.size());
            assertThat(md.get(499).offset()).isEqualTo(499);
            // a second batch on the same producer
            pub.publish(List.of(new Entry(topics.agentStatus(), "gen", "2")));
        }
        awaitMarkers(topics.desired(), topics.agentStatus());
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(TestBroker.settings("reader"),
                List.of(topics.desired(), topics.agentStatus()), StateTopicReader.folding(state), Duration.ofSeconds(30))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(state).hasSize(500).containsEntry("gen", "2").doesNotContainKey("client/0");
        }
    }

    @Test
    void readCommittedNeverSeesAnOpenTransaction() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        List<StateRecord> seen = new CopyOnWriteArrayList<>();
        try (StateTopicReader reader = StateTopicReader.start(TestBroker.settings("reader"), topics.desired(), seen::add)) {
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
        try (TransactionalPublisher pub = new TransactionalPublisher(TestBroker.settings("tx"), "tx-" + topics.prefix())) {
            pub.publish(List.of(new Entry(topics.desired(), "before", "1")));
            assertThatThrownBy(() -> pub.publish(List.of(
                    new Entry(topics.desired(), "a1", "1"),
                    new Entry(topics.desired(), "a2", "2"),
                    new Entry(topics.desired(), "big", huge),
                    new Entry(topics.desired(), "a3", "3"))))
                    .isInstanceOf(PublishException.class)
                    .satisfies(e -> assertThat(((PublishException) e).isFenced()).isFalse());
            pub.publish(List.of(new Entry(topics.desired(), "after", "1")));
        }
        awaitMarkers(topics.desired());
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(TestBroker.settings("reader"), topics.desired(),
                StateTopicReader.folding(state))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(state).isEqualTo(Map.of("before", "1", "after", "1"));
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
                    .satisfies(e -> assertThat(((PublishException) e).isFenced()).isTrue());
            successor.publish(List.of(new Entry(topics.desired(), "s2", "1")));
        }
        awaitMarkers(topics.desired());
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(TestBroker.settings("reader"), topics.desired(),
                StateTopicReader.folding(state))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(state.keySet()).containsExactlyInAnyOrder("z1", "s1", "s2");
        }
    }

    /** commitTransaction() returns before the markers reach the partitions: a fresh reader must not start before. */
    private static void awaitMarkers(String... topics) throws Exception {
        for (String t : topics) TopicEnds.awaitStable(TestBroker.settings("ends"), t, Duration.ofSeconds(30));
    }

    @Test
    void stableEndsWaitForAnOpenTransactionAndMeetWhenItCommits() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        Properties p = TestBroker.settings("raw-tx").transactionalProducer("ends-" + topics.prefix());
        try (KafkaProducer<String, String> raw = new KafkaProducer<>(p)) {
            raw.initTransactions();
            raw.beginTransaction();
            for (int i = 0; i < 3; i++) raw.send(new ProducerRecord<>(topics.desired(), "open" + i, "x"));
            raw.flush();
            assertThatThrownBy(() -> TopicEnds.awaitStable(TestBroker.settings("ends"), topics.desired(), Duration.ofMillis(600)))
                    .isInstanceOf(java.util.concurrent.TimeoutException.class).hasMessageContaining("a transaction still open");
            raw.commitTransaction();
        }
        // 3 records + the commit marker
        assertThat(TopicEnds.awaitStable(TestBroker.settings("ends"), topics.desired(), Duration.ofSeconds(30))).isEqualTo(4);
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
