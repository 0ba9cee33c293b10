package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Per-director agent-status topics against a real broker (decision 113): a reader follows the directors' topics, one
 * created after it started too, folding it from offset 0 without a restart; the agent's sender creates its own topic.
 */
class AgentStatusTopicsIT {

    @Test
    void aDirectorsTopicCreatedAfterTheReaderStartedIsFollowedFromOffsetZero() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        KafkaSettings admin = TestBroker.settings("admin");
        TopicAdmin.ensure(
                admin, List.of(topics.agentStatusSpec("d1")), TopicReplication.SINGLE, Duration.ofSeconds(30));
        try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
            pub.publish(topics.agentStatus("d1"), "d1", "d1-a");
            pub.publish(topics.agentStatus(), "d9", "old-d9"); // left on the shared topic by an earlier version
            pub.publish(topics.agentStatus(), "d1", "old-d1");
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        AtomicInteger caughtUp = new AtomicInteger();
        StateTopicReader.Listener fold = StateTopicReader.folding(state);
        try (StateTopicReader reader = AgentStatusTopics.read(
                TestBroker.settings("reader"),
                topics,
                List.of(topics.agentStatus(), topics.desired()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {
                        fold.onRecord(r);
                    }

                    @Override
                    public void onCaughtUp() {
                        caughtUp.incrementAndGet();
                    }
                },
                Duration.ofSeconds(30))) {
            assertThat(reader.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            // d1's own topic found at start and read before the catch-up; its shared-topic record never wins
            assertThat(state).containsEntry("d1", "d1-a").containsEntry("d9", "old-d9");
            assertThat(reader.topics()).contains(topics.agentStatus("d1"));

            // a second director, its topic created by its agent's sender after the reader started
            try (CoalescingSender d2 = AgentStatusTopics.sender(
                    TestBroker.settings("agent-d2"), topics, "d2", TopicReplication.SINGLE, Duration.ofSeconds(30))) {
                d2.offer("d2", "d2-a");
                StateTopicReaderIT.await(() -> "d2-a".equals(state.get("d2")));
                d2.offer("d2", "d2-b");
                StateTopicReaderIT.await(() -> "d2-b".equals(state.get("d2")));
                assertThat(d2.failed.get()).isZero();
            }
            assertThat(reader.topics()).contains(topics.agentStatus("d2"));
            // a record on d2's topic keyed as another director is refused, the real ones keep coming
            try (EventPublisher pub = new EventPublisher(TestBroker.settings("pub"))) {
                pub.publish(topics.agentStatus("d2"), "d1", "d1-forged-by-d2");
                pub.publish(topics.agentStatus("d1"), "d1", "d1-b");
            }
            StateTopicReaderIT.await(() -> "d1-b".equals(state.get("d1")));
            assertThat(state).doesNotContainValue("d1-forged-by-d2");
            assertThat(caughtUp.get()).isEqualTo(1);
            assertThat(reader.isRunning()).isTrue();
        }
    }
}
