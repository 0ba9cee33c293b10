package io.videolb.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.kafka.TopicReplication;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** VIDEOLB_TOPIC_REPLICATION_FACTOR, VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS, VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED. */
class TopicReplicationSettingsTest {

    private static KafkaConnection read(String... keyValues) {
        Map<String, String> env = new HashMap<>();
        env.put("VIDEOLB_BOOTSTRAP", "kafka1:9092,kafka2:9092,kafka3:9092");
        for (int i = 0; i < keyValues.length; i += 2) env.put(keyValues[i], keyValues[i + 1]);
        SettingsReader r = SettingsReader.builder()
                .environment(env)
                .known(List.of(CommonSettings.DECLARED))
                .build();
        return CommonSettings.kafka(r);
    }

    @Test
    void withoutSettingsEveryTopicHasThreeReplicasAndNeedsTwo() {
        assertThat(read().topicReplication()).isEqualTo(new TopicReplication(3, 2));
    }

    @Test
    void theMinIsrDefaultFollowsTheFactor() {
        assertThat(read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "5").topicReplication())
                .isEqualTo(new TopicReplication(5, 2));
        assertThat(read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "2").topicReplication())
                .isEqualTo(new TopicReplication(2, 1));
        assertThat(read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "5", "VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS", "3")
                        .topicReplication())
                .isEqualTo(new TopicReplication(5, 3));
    }

    @Test
    void aSingleReplicaIsRefusedUnlessAllowedExplicitly() {
        assertThatThrownBy(() -> read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("VIDEOLB_TOPIC_REPLICATION_FACTOR='1': one replica loses every topic")
                .hasMessageContaining("VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED=true");
        assertThatThrownBy(() ->
                        read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "1", "VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED", "false"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "1", "VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED", "true")
                        .topicReplication())
                .isEqualTo(TopicReplication.SINGLE);
    }

    @Test
    void aMinIsrAboveTheFactorIsRefused() {
        assertThatThrownBy(() -> read("VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS", "4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("VIDEOLB_TOPIC_MIN_INSYNC_REPLICAS='4': must be at most VIDEOLB_TOPIC_REPLICATION_FACTOR"
                        + " (3): no write could ever be acknowledged");
    }

    @Test
    void badValuesNameTheVariable() {
        assertThatThrownBy(() -> read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "three"))
                .hasMessageContaining("VIDEOLB_TOPIC_REPLICATION_FACTOR='three'");
        assertThatThrownBy(() -> read("VIDEOLB_TOPIC_REPLICATION_FACTOR", "0"))
                .hasMessageContaining("VIDEOLB_TOPIC_REPLICATION_FACTOR='0'");
    }
}
