package io.videolb.agent.kafka;

import io.videolb.agent.director.Director;
import io.videolb.events.AgentStatus;
import io.videolb.events.DirectorRequest;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.AgentStatusTopics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the {@link Director} from Kafka: the peer director's published VRRP state (agent-status
 * topic, its key) and operators' promote commands (director-commands topic). A command is acted on
 * once (by id) and only while fresh ({@link DirectorRequest#fresh}).
 */
public final class DirectorFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DirectorFollower.class);
    /** How long a yielding holder waits for the promoted peer to report MASTER before it takes the VIP back. */
    public static final Duration YIELD_HOLD = Duration.ofSeconds(10);

    private final Director director;
    private final String peer;
    private final LongSupplier clock;
    private final Set<String> done = new LinkedHashSet<>(); // guarded by this
    private final StateTopicReader reader;

    private DirectorFollower(
            KafkaSettings kafka, Topics topics, Director director, LongSupplier clock, Duration topicWait) {
        this.director = director;
        this.peer = director.settings().peer();
        this.clock = clock;
        // the peer's own agent-status topic (followed: it may be created after this agent started) and, during the
        // upgrade, the shared one (decision 113); a command is read from director-commands only
        this.reader = AgentStatusTopics.read(
                kafka.withClientId(kafka.clientId() + "-director"),
                topics,
                List.of(topics.agentStatus(), topics.directorCommands()),
                byTopic(
                        topics,
                        Records.listener(
                                (k, v) -> {
                                    if (k.equals(DirectorRequest.KEY)) onCommand(v);
                                },
                                () -> LOG.info("director HA: peer status and director commands read"),
                                e -> LOG.error("director HA: the status/command reader stopped: {}", e.toString())),
                        Records.listener(
                                (k, v) -> {
                                    if (k.equals(peer)) onPeerStatus(v);
                                },
                                () -> {},
                                e -> {})),
                topicWait);
    }

    /**
     * Commands only from the director-commands topic, peer status only from the agent-status topics (a director id
     * that happens to be the command key cannot promote by publishing its status); the life-cycle calls go to
     * {@code commands}.
     */
    private static StateTopicReader.Listener byTopic(
            Topics topics, StateTopicReader.Listener commands, StateTopicReader.Listener status) {
        return new StateTopicReader.ForwardingListener(commands) {
            @Override
            public void onRecord(StateTopicReader.StateRecord r) {
                if (r.topic().equals(topics.directorCommands())) commands.onRecord(r);
                else if (topics.isAgentStatus(r.topic())) status.onRecord(r);
            }
        };
    }

    public static DirectorFollower start(
            KafkaSettings kafka, Topics topics, Director director, LongSupplier clock, Duration topicWait) {
        return new DirectorFollower(kafka, topics, director, clock, topicWait);
    }

    private void onPeerStatus(String json) {
        if (json == null) return;
        AgentStatus s = Json.read(json, AgentStatus.class);
        if (s.ha() != null) director.onPeerState(s.ha().vrrpState());
    }

    /** Public for tests of the rule without a broker. */
    public void onCommand(String json) {
        if (json == null) return;
        DirectorRequest c = Json.read(json, DirectorRequest.class);
        synchronized (this) {
            if (!done.add(c.id())) return;
            while (done.size() > 100) done.remove(done.iterator().next());
        }
        if (!c.fresh(clock.getAsLong())) {
            LOG.info(
                    "director HA: promote {} by {} ({}) is older than {} ms: not acted on",
                    c.target(),
                    c.by(),
                    c.id(),
                    DirectorRequest.FRESH_MS);
            return;
        }
        String what = director.promote(c.target(), YIELD_HOLD);
        LOG.info("director HA: promote {} by {} ({}): {}", c.target(), c.by(), c.id(), what);
    }

    @Override
    public void close() {
        reader.close();
    }
}
