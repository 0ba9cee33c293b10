package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: a state topic deleted and recreated under a running {@link StateTopicReader} (real embedded broker,
 * AdminClient deleteTopics/createTopics). The reader tells the new topic from the old one by its topic id, reports
 * it, has its listener drop the old fold and reads the new topic from offset 0: nothing of the old topic survives,
 * nothing of the new one is missed.
 */
class TopicRecreatedIT {
    static final int PARTITIONS = 3;

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 45 s: " + what);
            Thread.sleep(20);
        }
    }

    static void create(Admin admin, String topic) throws Exception {
        NewTopic t = new NewTopic(topic, PARTITIONS, (short) 1).configs(Map.of("cleanup.policy", "compact"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
        while (true) {
            try {
                admin.createTopics(List.of(t)).all().get(15, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                // the deletion is still being finished ("marked for deletion"): ask again, bounded
                if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) throw e;
                Thread.sleep(200);
            }
        }
    }

    /** Deletes {@code topic} and waits (bounded) until the broker no longer knows it. */
    static void delete(Admin admin, String topic) throws Exception {
        admin.deleteTopics(List.of(topic)).all().get(15, TimeUnit.SECONDS);
        await("topic " + topic + " gone", () -> {
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS);
                return false;
            } catch (ExecutionException e) {
                return e.getCause() instanceof UnknownTopicOrPartitionException;
            } catch (Exception e) {
                return false;
            }
        });
    }

    static void publish(String topic, Map<String, String> records) {
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            records.forEach((k, v) -> pub.publish(topic, k, v));
        }
    }

    @Test
    void aRecreatedTopicIsReadAgainFromTheStartAndNeverFoldedTogetherWithTheOldOne() throws Exception {
        String topic = TestBroker.uniqueTopics().desired();
        try (Admin admin = Admin.create(TestBroker.settings("admin").admin())) {
            create(admin, topic);
            // more records than the new topic will have: its positions are past the new log's end
            Map<String, String> old = new java.util.TreeMap<>();
            for (int i = 0; i < 30; i++) old.put("old-" + i, "v" + i);
            old.put("shared", "old");
            publish(topic, old);

            Map<String, String> state = new ConcurrentHashMap<>();
            StateTopicReader.Listener fold = StateTopicReader.folding(state);
            List<String> reports = new CopyOnWriteArrayList<>();
            List<Map<String, String>> readAgain = new CopyOnWriteArrayList<>();
            try (StateTopicReader reader =
                    StateTopicReader.start(TestBroker.settings("reader"), topic, new StateTopicReader.Listener() {
                        @Override
                        public void onRecord(StateTopicReader.StateRecord r) {
                            fold.onRecord(r);
                        }

                        @Override
                        public void onReadAgain() {
                            readAgain.add(Map.copyOf(state));
                        }

                        @Override
                        public void onTopicRecreated(String t, String oldId, String newId) {
                            reports.add(t + " " + oldId + " " + newId);
                            fold.onTopicRecreated(t, oldId, newId);
                        }
                    })) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                assertThat(state).isEqualTo(old);
                String oldId = admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS)
                        .get(topic)
                        .topicId()
                        .toString();

                long t0 = System.nanoTime();
                delete(admin, topic);
                Thread.sleep(StateTopicReader.TOPIC_ID_CHECK_MS + 500); // a check sees it gone: the state is kept
                assertThat(state).as("a deleted topic alone drops nothing").isEqualTo(old);
                assertThat(reader.topicRecreations()).isZero();
                create(admin, topic);
                Map<String, String> fresh = Map.of("shared", "new", "new-1", "a", "new-2", "b");
                publish(topic, fresh);
                await("the new topic alone in the fold", () -> state.equals(fresh));
                long detectedMs = (System.nanoTime() - t0) / 1_000_000;
                String newId = admin.describeTopics(List.of(topic))
                        .allTopicNames()
                        .get(10, TimeUnit.SECONDS)
                        .get(topic)
                        .topicId()
                        .toString();
                assertThat(newId).isNotEqualTo(oldId);
                assertThat(reports).containsExactly(topic + " " + oldId + " " + newId);
                assertThat(reader.topicRecreations()).isEqualTo(1);
                assertThat(reader.isRunning()).isTrue();
                await("read again to the end", () -> !readAgain.isEmpty());
                assertThat(readAgain)
                        .as("onReadAgain once, with the new topic only (up to its end at the recreation)")
                        .hasSize(1);
                assertThat(fresh.entrySet()).containsAll(readAgain.get(0).entrySet());

                // and it follows the new topic as before
                publish(topic, Map.of("new-3", "c", "shared", "newer"));
                await("follows the new topic", () -> "newer".equals(state.get("shared")) && state.containsKey("new-3"));
                assertThat(state.keySet()).isEqualTo(Set.of("shared", "new-1", "new-2", "new-3"));
                assertThat(reader.topicRecreations()).isEqualTo(1);
                assertThat(readAgain)
                        .as("not again for records after the re-read")
                        .hasSize(1);
                System.out.printf(
                        "FIGURE topic %s deleted and recreated: old fold dropped, new topic read from 0, %d ms after"
                                + " the delete (includes the delete, the wait for it and the re-create)%n",
                        topic, detectedMs);
            }
        }
    }

    @Test
    void aListenerThatCannotDropItsFoldStopsTheReaderInsteadOfFoldingTheTwoTogether() throws Exception {
        String topic = TestBroker.uniqueTopics().desired();
        try (Admin admin = Admin.create(TestBroker.settings("admin").admin())) {
            create(admin, topic);
            Map<String, String> old = new java.util.TreeMap<>();
            for (int i = 0; i < 20; i++) old.put("k" + i, "v" + i);
            publish(topic, old);
            Map<String, String> state = new ConcurrentHashMap<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            try (StateTopicReader reader =
                    StateTopicReader.start(TestBroker.settings("reader"), topic, new StateTopicReader.Listener() {
                        @Override
                        public void onRecord(StateTopicReader.StateRecord r) {
                            state.put(r.key(), r.value());
                        }

                        @Override
                        public void onError(Throwable error) {
                            errors.add(error);
                        }
                    })) {
                assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
                delete(admin, topic);
                create(admin, topic);
                publish(topic, Map.of("c", "3"));
                await("the reader stopped", () -> !reader.isRunning());
                assertThat(errors).hasSize(1);
                assertThat(errors.get(0).getMessage())
                        .contains("state topic " + topic + " was deleted and recreated", "stops instead of folding");
                assertThat(state).as("nothing of the new topic folded in").isEqualTo(old);
            }
        }
    }
}
