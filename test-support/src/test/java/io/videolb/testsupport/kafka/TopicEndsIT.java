package io.videolb.testsupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.Topics;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class TopicEndsIT {

    @Test
    void stableEndsWaitForAnOpenTransactionAndMeetWhenItCommits() throws Exception {
        Topics topics = SharedBroker.freshTopics("topic-ends");
        Properties p = SharedBroker.settings("raw-tx").transactionalProducer("ends-" + topics.prefix());
        try (KafkaProducer<String, String> raw = new KafkaProducer<>(p)) {
            raw.initTransactions();
            raw.beginTransaction();
            for (int i = 0; i < 3; i++) raw.send(new ProducerRecord<>(topics.desired(), "open" + i, "x"));
            raw.flush();
            assertThatThrownBy(() -> TopicEnds.awaitStable(
                            SharedBroker.settings("ends"), topics.desired(), Duration.ofMillis(600)))
                    .isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("a transaction still open");
            raw.commitTransaction();
        }
        // 3 records + the commit marker
        assertThat(TopicEnds.awaitStable(SharedBroker.settings("ends"), topics.desired(), Duration.ofSeconds(30)))
                .isEqualTo(4);
    }
}
