package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import io.videolb.kafka.StateTopicReader.StateRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The small additions the services needed: afterPoll hook, poll interval, eager init, partitionsFor. */
class ReaderHooksAndEagerInitIT {

    @Test
    void afterPollRunsAfterTheRecordsOfAPollAndKeepsTickingWhenTheTopicIsQuiet() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.desired(), "a", "1");
            pub.publish(topics.desired(), "b", "2");
        }
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicInteger ticks = new AtomicInteger();
        StateTopicReader.Listener listener = new StateTopicReader.Listener() {
            @Override
            public void onRecord(StateRecord r) {
                events.add("record " + r.key());
            }

            @Override
            public void onCaughtUp() {
                events.add("caught up");
            }

            @Override
            public void afterPoll() {
                ticks.incrementAndGet();
                if (events.isEmpty() || !events.get(events.size() - 1).equals("tick")) {
                    events.add("tick");
                }
            }
        };
        try (StateTopicReader reader = StateTopicReader.start(
                TestBroker.settings("reader"),
                List.of(topics.desired()),
                listener,
                Duration.ofSeconds(30),
                Duration.ofMillis(50))) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            int before = ticks.get();
            Thread.sleep(1_000);
            // at most 50 ms per empty poll: ~20 ticks in a quiet second; at least 5 even on a busy machine
            assertThat(ticks.get() - before).isGreaterThanOrEqualTo(5);
        }
        // the records of a poll come before its tick; caught up only after both records
        assertThat(events.indexOf("record a")).isLessThan(events.indexOf("record b"));
        assertThat(events.indexOf("caught up")).isGreaterThan(events.indexOf("record b"));
        int firstTickAfterRecords =
                events.subList(events.indexOf("record b"), events.size()).indexOf("tick");
        assertThat(firstTickAfterRecords).isPositive();
    }

    @Test
    void aThrowingAfterPollStopsTheReaderAndFailsCaughtUp() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        AtomicInteger errors = new AtomicInteger();
        StateTopicReader.Listener listener = new StateTopicReader.Listener() {
            @Override
            public void onRecord(StateRecord r) {}

            @Override
            public void afterPoll() {
                throw new IllegalStateException("tick failed");
            }

            @Override
            public void onError(Throwable error) {
                errors.incrementAndGet();
            }
        };
        try (StateTopicReader reader = StateTopicReader.start(
                TestBroker.settings("reader"), List.of(topics.desired()), listener, Duration.ofSeconds(30))) {
            // the topic is empty: caught up before the first poll, so the future is already complete
            reader.caughtUp().handle((v, e) -> null).get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (reader.isRunning() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(reader.isRunning()).isFalse();
            assertThat(errors.get()).isEqualTo(1);
        }
    }

    @Test
    void aPollIntervalOutsideTheBoundsIsRejected() {
        KafkaSettings s = KafkaSettings.of("127.0.0.1:1", "x");
        assertThatThrownBy(() -> StateTopicReader.start(s, List.of("t"), r -> {}, Duration.ofSeconds(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poll interval");
        assertThatThrownBy(() ->
                        StateTopicReader.start(s, List.of("t"), r -> {}, Duration.ofSeconds(1), Duration.ofSeconds(11)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poll interval");
    }

    @Test
    void initFencesAnOlderInstanceAndAbortsItsOpenTransactionBeforeTheFirstPublish() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        KafkaSettings settings = TestBroker.settings("zombie");
        String txId = "init-" + topics.prefix();
        Properties props = settings.transactionalProducer(txId);
        try (KafkaProducer<String, String> zombie = new KafkaProducer<>(props)) {
            zombie.initTransactions();
            try (TransactionalPublisher successor = new TransactionalPublisher(TestBroker.settings("next"), txId)) {
                // control: a publisher that is only constructed fences nobody
                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>(topics.alertState(), "k", "first"))
                        .get(30, TimeUnit.SECONDS);
                zombie.commitTransaction();

                zombie.beginTransaction();
                zombie.send(new ProducerRecord<>(topics.alertState(), "k", "half"))
                        .get(30, TimeUnit.SECONDS);
                zombie.flush();
                successor.init().init(); // idempotent
                assertThatThrownBy(zombie::commitTransaction)
                        .as("the older instance is fenced")
                        .isNotNull();

                Map<String, String> state = new ConcurrentHashMap<>();
                try (StateTopicReader reader = StateTopicReader.start(
                        TestBroker.settings("r"), topics.alertState(), StateTopicReader.folding(state))) {
                    assertThat(reader.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
                    assertThat(state).as("the open transaction was aborted").isEqualTo(Map.of("k", "first"));
                    successor.publish(List.of(new TransactionalPublisher.Entry(topics.alertState(), "k", "whole")));
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!"whole".equals(state.get("k")) && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(state).isEqualTo(Map.of("k", "whole"));
                }
            }
        }
    }

    @Test
    void initOfAClosedPublisherFails() {
        TransactionalPublisher p = new TransactionalPublisher(
                TestBroker.settings("closed"),
                "closed-" + TestBroker.uniqueTopics().prefix());
        p.close();
        assertThatThrownBy(p::init).isInstanceOf(PublishException.class).hasMessageContaining("closed");
    }

    @Test
    void partitionsForLoadsTheTopicsMetadata() {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("meta"))) {
            assertThat(pub.partitionsFor(topics.health())).isEqualTo(3);
            assertThat(pub.partitionsFor(topics.desired())).isEqualTo(1);
        }
    }
}
