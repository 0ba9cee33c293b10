package io.videolb.kafka;

import static io.videolb.kafka.StateTopicReaderIT.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import io.videolb.events.Topics;
import io.videolb.kafka.EventConsumer.EventRecord;
import io.videolb.kafka.EventConsumer.Handler;

class EventConsumerIT {

    @Test
    void commitsOnlyAfterTheEffectAndRetriesFailures() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        String group = "g-" + topics.prefix();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            for (int i = 0; i < 3; i++) {
                pub.publish(topics.audit(), "k", "e" + i);
            }
        }
        List<String> done = new CopyOnWriteArrayList<>();
        AtomicInteger attemptsOfE1 = new AtomicInteger();
        AtomicReference<CompletableFuture<Void>> pending = new AtomicReference<>();
        Handler handler = r -> {
            if (r.value().equals("e1") && attemptsOfE1.incrementAndGet() == 1) {
                return CompletableFuture.failedFuture(new RuntimeException("smtp 451, try later"));
            }
            if (r.value().equals("e2")) {
                CompletableFuture<Void> f = new CompletableFuture<>();
                f.thenRun(() -> done.add(r.value()));
                pending.set(f);
                return f; // completed later, from the test thread
            }
            done.add(r.value());
            return CompletableFuture.completedFuture(null);
        };
        try (EventConsumer c = EventConsumer.start(TestBroker.settings("alert"), group, List.of(topics.audit()), handler,
                Duration.ofMillis(200))) {
            assertThat(c.assigned()).isNotNull();
            await(() -> pending.get() != null);
            assertThat(done).containsExactly("e0", "e1");
            assertThat(attemptsOfE1.get()).isEqualTo(2);
            // e2's effect is pending for longer than a poll interval: its offset is not committed
            Thread.sleep(1000);
            assertThat(committed(group, topics.audit())).isEqualTo(2);
            pending.get().complete(null);
            await(() -> c.committedCount() == 3);
            assertThat(committed(group, topics.audit())).isEqualTo(3);
        }
        assertThat(done).containsExactly("e0", "e1", "e2");

        // a new consumer in the same group resumes after the committed offset
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.audit(), "k", "e3");
        }
        List<EventRecord> second = new CopyOnWriteArrayList<>();
        try (EventConsumer c = EventConsumer.start(TestBroker.settings("alert"), group, List.of(topics.audit()),
                Handler.blocking(second::add))) {
            await(() -> second.size() == 1);
            Thread.sleep(500);
            assertThat(second).extracting(EventRecord::value).containsExactly("e3");
            assertThat(second.get(0).offset()).isEqualTo(3);
        }
    }

    @Test
    void closeWithAPendingEffectCommitsNothingAndTheRecordComesBack() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        String group = "g-" + topics.prefix();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.audit(), "k", "only");
        }
        AtomicInteger calls = new AtomicInteger();
        EventConsumer c = EventConsumer.start(TestBroker.settings("alert"), group, List.of(topics.audit()), r -> {
            calls.incrementAndGet();
            return new CompletableFuture<>(); // never completes
        });
        await(() -> calls.get() == 1);
        long t0 = System.nanoTime();
        c.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);
        assertThat(c.committedCount()).isZero();

        List<String> again = new CopyOnWriteArrayList<>();
        try (EventConsumer c2 = EventConsumer.start(TestBroker.settings("alert"), group, List.of(topics.audit()),
                Handler.blocking(r -> again.add(r.value())))) {
            await(() -> again.size() == 1);
            assertThat(again).containsExactly("only");
            await(() -> c2.committedCount() == 1);
        }
    }

    private static long committed(String group, String topic) throws Exception {
        try (Admin admin = Admin.create(TestBroker.settings("admin").admin())) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = m.get(new TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        }
    }
}
