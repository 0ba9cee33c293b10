package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.kafka.StateTopicReader.StateRecord;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a reader of agent status believes (decision 113), without a broker. */
class AgentStatusTopicsTest {
    private static final Topics T = new Topics("lab");

    private static StateRecord rec(String topic, String key, String value) {
        return new StateRecord(topic, 0, 0, 0, key, value);
    }

    @Test
    void aDirectorsTopicSpeaksOnlyForThatDirectorAndSupersedesTheSharedTopic() {
        Map<String, String> state = new HashMap<>();
        AgentStatusTopics.Guard g = AgentStatusTopics.guard(T, StateTopicReader.folding(state));
        g.onRecord(rec(T.agentStatus(), "d1", "shared-d1")); // before d1's own topic: believed (upgrade)
        assertThat(state).containsEntry("d1", "shared-d1");
        g.onRecord(rec(T.agentStatus("d1"), "d1", "own-d1"));
        g.onRecord(rec(T.agentStatus(), "d1", "shared-d1-later")); // the own topic has spoken: dropped
        g.onRecord(rec(T.agentStatus(), "d1", null)); // a tombstone too
        assertThat(state).containsEntry("d1", "own-d1");
        assertThat(g.sharedSuperseded.get()).isEqualTo(2);

        g.onRecord(rec(T.agentStatus("d1"), "d2", "d2-forged-by-d1"));
        g.onRecord(rec(T.agentStatus("d1"), null, "no key"));
        assertThat(state).doesNotContainKey("d2").doesNotContainKey(null);
        assertThat(g.foreignKeyRefused.get()).isEqualTo(2);

        g.onRecord(rec(T.agentStatus(), "d2", "shared-d2")); // d2 not upgraded yet: still visible
        g.onRecord(rec(T.health(), "10.0.0.1:80", "h")); // other topics pass unchanged
        assertThat(state).containsEntry("d2", "shared-d2").containsEntry("10.0.0.1:80", "h");

        g.onRecord(rec(T.agentStatus("d1"), "d1", null)); // d1's own tombstone deletes
        assertThat(state).doesNotContainKey("d1");

        g.onTopicRecreated(T.agentStatus("d1"), "a", "b"); // read again from 0: the shared topic counts until d1 speaks
        assertThat(state).isEmpty();
        g.onRecord(rec(T.agentStatus(), "d1", "shared-d1"));
        assertThat(state).containsEntry("d1", "shared-d1");
    }
}
