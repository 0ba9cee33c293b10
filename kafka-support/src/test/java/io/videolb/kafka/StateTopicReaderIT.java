package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import io.videolb.kafka.StateTopicReader.StateRecord;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class StateTopicReaderIT {

    @Test
    void readsToTheEndSignalsCaughtUpOnceThenFollows() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.desired(), "k1", "v1");
            pub.publish(topics.desired(), "k2", "v2");
            pub.publish(topics.desired(), "k1", "v1b");
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        AtomicInteger caughtUpCalls = new AtomicInteger();
        List<Map<String, String>> snapshotAtCaughtUp = new CopyOnWriteArrayList<>();
        StateTopicReader.Listener fold = StateTopicReader.folding(state);
        try (StateTopicReader reader = StateTopicReader.start(
                TestBroker.settings("reader"), topics.desired(), new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateRecord r) {
                        fold.onRecord(r);
                    }

                    @Override
                    public void onCaughtUp() {
                        caughtUpCalls.incrementAndGet();
                        snapshotAtCaughtUp.add(new TreeMap<>(state));
                    }
                })) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(snapshotAtCaughtUp).containsExactly(Map.of("k1", "v1b", "k2", "v2"));
            assertThat(reader.recordsDelivered()).isEqualTo(3);

            try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
                pub.publish(topics.desired(), "k3", "v3");
                pub.publish(topics.desired(), "k2", "v2b");
            }
            await(() -> "v2b".equals(state.get("k2")) && state.containsKey("k3"));
            assertThat(state).isEqualTo(Map.of("k1", "v1b", "k2", "v2b", "k3", "v3"));
            assertThat(caughtUpCalls.get()).isEqualTo(1);
        }
    }

    @Test
    void tombstonesDeleteKeysAndAreDeliveredAsNull() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.desired(), "a", "1");
            pub.publish(topics.desired(), "b", "2");
            pub.publish(topics.desired(), "a", null);
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        List<StateRecord> seen = new CopyOnWriteArrayList<>();
        StateTopicReader.Listener fold = StateTopicReader.folding(state);
        try (StateTopicReader reader = StateTopicReader.start(TestBroker.settings("reader"), topics.desired(), r -> {
            seen.add(r);
            fold.onRecord(r);
        })) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(state).isEqualTo(Map.of("b", "2"));
            assertThat(seen).hasSize(3);
            assertThat(seen.get(2).isTombstone()).isTrue();
            assertThat(seen.get(2).key()).isEqualTo("a");
            assertThat(seen.get(2).offset()).isEqualTo(2);

            try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
                pub.publish(topics.desired(), "b", null);
            }
            await(state::isEmpty);
        }
    }

    @Test
    void emptyTopicIsCaughtUpAtOnce() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (StateTopicReader reader =
                StateTopicReader.start(TestBroker.settings("reader"), topics.agentStatus(), r -> {})) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            assertThat(reader.recordsDelivered()).isZero();
        }
    }

    @Test
    void restartedReaderRebuildsTheSameStateAcrossPartitions() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            for (int i = 0; i < 200; i++) {
                pub.publishAsync(topics.health(), "srv" + (i % 37), "seq" + i);
                if (i % 5 == 0) {
                    pub.publishAsync(topics.health(), "srv" + (i % 11), null);
                }
            }
            pub.publish(topics.health(), "last", "x");
        }
        Map<String, String> first = new ConcurrentHashMap<>();
        try (StateTopicReader r1 = StateTopicReader.start(
                TestBroker.settings("reader"), topics.health(), StateTopicReader.folding(first))) {
            assertThat(r1.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        Map<String, String> second = new ConcurrentHashMap<>();
        try (StateTopicReader r2 = StateTopicReader.start(
                TestBroker.settings("reader"), topics.health(), StateTopicReader.folding(second))) {
            assertThat(r2.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        assertThat(first).isNotEmpty().containsEntry("last", "x");
        assertThat(second).isEqualTo(first);
    }

    @Test
    void waitsForATopicThatDoesNotExistYet() throws Exception {
        Topics topics = TestBroker.uniqueTopics();
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader reader = StateTopicReader.start(
                TestBroker.settings("reader"),
                List.of(topics.desired()),
                StateTopicReader.folding(state),
                Duration.ofSeconds(60))) {
            Thread.sleep(1000);
            assertThat(reader.caughtUp()).isNotDone();
            TopicAdmin.ensure(TestBroker.bootstrap(), topics, TopicReplication.SINGLE);
            try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
                pub.publish(topics.desired(), "k", "v");
            }
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            await(() -> "v".equals(state.get("k")));
        }
    }

    @Test
    void missingTopicFailsAfterTheBoundedWait() {
        Topics topics = TestBroker.uniqueTopics();
        try (StateTopicReader reader = StateTopicReader.start(
                TestBroker.settings("reader"), List.of(topics.desired()), r -> {}, Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> reader.caughtUp().get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("do not exist");
        }
    }

    @Test
    void closeIsPromptAndJoinsTheThread() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        StateTopicReader reader = StateTopicReader.start(TestBroker.settings("reader"), topics.desired(), r -> {});
        assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        long t0 = System.nanoTime();
        reader.close();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(reader.isRunning()).isFalse();
        assertThat(ms).isLessThan(3000);
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(20);
        }
    }
}
