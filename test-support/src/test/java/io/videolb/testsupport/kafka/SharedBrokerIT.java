package io.videolb.testsupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.StateTopicReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class SharedBrokerIT {

    @Test
    void oneBrokerPerJvmAndFreshTopicsPerTest() throws Exception {
        assertThat(SharedBroker.broker()).isSameAs(SharedBroker.broker());
        assertThat(SharedBroker.vmListenerPort())
                .isPositive()
                .isNotEqualTo(SharedBroker.broker().port());
        Topics a = SharedBroker.freshTopics("My Test#1");
        Topics b = SharedBroker.freshTopics("My Test#1");
        assertThat(a.prefix()).startsWith("it-my-test-1-").isNotEqualTo(b.prefix());

        try (EventPublisher pub = new EventPublisher(SharedBroker.settings("pub"))) {
            pub.publish(a.desired(), "k", "v");
        }
        Map<String, String> state = new ConcurrentHashMap<>();
        try (StateTopicReader r =
                StateTopicReader.start(SharedBroker.settings("reader"), a.desired(), StateTopicReader.folding(state))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
        }
        assertThat(state).isEqualTo(Map.of("k", "v"));
    }
}
