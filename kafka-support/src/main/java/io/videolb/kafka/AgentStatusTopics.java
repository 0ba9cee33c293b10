package io.videolb.kafka;

import io.videolb.events.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-director agent-status topics (decision 113): each agent writes {@code PREFIX.agent-status.DIRECTOR}, the
 * only status topic its principal may write ({@link KafkaAccessLayout}); readers follow every such topic, those
 * created after they started too ({@link StateTopicReader}'s follow pattern), and the shared {@code
 * PREFIX.agent-status} of earlier versions during the upgrade.
 *
 * <p>What a reader accepts ({@link #guard}): on a director's own topic only records keyed by that director (an agent
 * may write its own topic only, but anything into it: a record there keyed by another director is refused, so that
 * one agent cannot speak for another); on the shared topic a director's record only until that director's own topic
 * has delivered one (its own topic supersedes what an older version of its agent left on the shared one).
 */
public final class AgentStatusTopics {
    private static final Logger LOG = LoggerFactory.getLogger(AgentStatusTopics.class);

    private AgentStatusTopics() {}

    /** Starts a state reader of {@code fixedTopics} that also follows every per-director agent-status topic. */
    public static StateTopicReader read(
            KafkaSettings settings,
            Topics topics,
            Collection<String> fixedTopics,
            StateTopicReader.Listener listener,
            Duration topicWait,
            Duration pollInterval) {
        return StateTopicReader.start(
                settings, fixedTopics, topics.agentStatusTopics(), guard(topics, listener), topicWait, pollInterval);
    }

    /** As {@link #read(KafkaSettings, Topics, Collection, StateTopicReader.Listener, Duration, Duration)}. */
    public static StateTopicReader read(
            KafkaSettings settings,
            Topics topics,
            Collection<String> fixedTopics,
            StateTopicReader.Listener listener,
            Duration topicWait) {
        return read(settings, topics, fixedTopics, listener, topicWait, StateTopicReader.DEFAULT_POLL_INTERVAL);
    }

    /** A listener handing on only the agent-status records a reader may believe (see the class comment). */
    public static Guard guard(Topics topics, StateTopicReader.Listener listener) {
        return new Guard(topics, listener);
    }

    /** See {@link AgentStatusTopics#guard}; records of other topics pass unchanged. */
    public static final class Guard extends StateTopicReader.ForwardingListener {
        private final Topics topics;
        /** Directors whose own topic delivered a record (reader thread only). */
        private final Set<String> ownTopicSeen = new HashSet<>();
        /** Records refused: keyed by another director than their topic's. */
        public final AtomicLong foreignKeyRefused = new AtomicLong();
        /** Records of the shared topic dropped because the director's own topic supersedes them. */
        public final AtomicLong sharedSuperseded = new AtomicLong();

        private Guard(Topics topics, StateTopicReader.Listener next) {
            super(next);
            this.topics = Objects.requireNonNull(topics, "topics");
        }

        @Override
        public void onRecord(StateTopicReader.StateRecord r) {
            String owner = topics.agentStatusDirector(r.topic());
            if (owner != null) {
                if (!owner.equals(r.key())) {
                    foreignKeyRefused.incrementAndGet();
                    LOG.warn(
                            "refused agent-status record {}@{}: keyed '{}', but only director {} writes this topic",
                            r.topic(),
                            r.offset(),
                            oneLine(r.key()),
                            owner);
                    return;
                }
                ownTopicSeen.add(owner);
            } else if (r.topic().equals(topics.agentStatus()) && r.key() != null && ownTopicSeen.contains(r.key())) {
                sharedSuperseded.incrementAndGet();
                return; // its own topic is the word of this director now
            }
            next.onRecord(r);
        }

        @Override
        public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
            super.onTopicRecreated(topic, oldTopicId, newTopicId);
            ownTopicSeen.clear(); // everything is read again from offset 0
        }
    }

    private static String oneLine(String s) {
        if (s == null) return "null";
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 80 ? t.substring(0, 80) + "..." : t;
    }

    /**
     * The agent's status sender to its own topic: before the first record (and after a failure, before the next) it
     * makes sure the topic exists ({@link TopicAdmin#ensure}, bounded by {@code ensureTimeout}; the agent principal
     * may create its own topic only). A record that finds no topic is counted failed and the next status, which the
     * agent sends after every run, tries again: a broker away at start never blocks the agent.
     */
    public static CoalescingSender sender(
            KafkaSettings settings,
            Topics topics,
            String director,
            TopicReplication replication,
            Duration ensureTimeout) {
        String topic = topics.agentStatus(director); // validates the id, naming VIDEOLB_DIRECTOR
        List<Topics.TopicSpec> spec = List.of(topics.agentStatusSpec(director));
        EventPublisher publisher = new EventPublisher(settings);
        boolean[] ensured = {false}; // the sender's thread only
        return new CoalescingSender(
                "agent-status-publisher",
                (k, v) -> {
                    if (!ensured[0]) {
                        try {
                            TopicAdmin.ensure(settings, spec, replication, ensureTimeout);
                        } catch (RuntimeException e) {
                            return CompletableFuture.failedFuture(new IllegalStateException(
                                    "agent-status topic " + topic + " not ensured: " + e.getMessage(), e));
                        }
                        ensured[0] = true;
                    }
                    return publisher.publishAsync(topic, k, v);
                },
                publisher);
    }
}
