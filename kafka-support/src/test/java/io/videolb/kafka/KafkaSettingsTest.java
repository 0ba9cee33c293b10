package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaSettingsTest {

    @Test
    void eachBadIdIsRefusedWithAMessageNamingWhichIdItIs() {
        assertThatThrownBy(() -> KafkaSettings.of("127.0.0.1:9092", "bad id"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("client id must match [A-Za-z0-9._-]{1,200}: bad id");
        assertThatThrownBy(() -> KafkaSettings.of("127.0.0.1:9092", null))
                .hasMessage("client id must match [A-Za-z0-9._-]{1,200}: null");
        KafkaSettings s = KafkaSettings.of("127.0.0.1:9092", "svc");
        assertThatThrownBy(() -> s.transactionalProducer("tx/1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("transactional id must match [A-Za-z0-9._-]{1,200}: tx/1");
        assertThatThrownBy(() -> s.eventConsumer(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("group id must match [A-Za-z0-9._-]{1,200}: ");
        assertThatThrownBy(() -> s.eventConsumer("g".repeat(201))).hasMessageStartingWith("group id must match");
    }

    @Test
    void validIdsEndUpInTheProperties() {
        KafkaSettings s = KafkaSettings.of(" 127.0.0.1:9092 ", "svc-1.a_b");
        assertThat(s.transactionalProducer("tx-1").getProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG))
                .isEqualTo("tx-1");
        assertThat(s.eventConsumer("g." + "x".repeat(198)).getProperty(ConsumerConfig.GROUP_ID_CONFIG))
                .hasSize(200);
        assertThat(s.stateConsumer().getProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG))
                .isEqualTo("127.0.0.1:9092");
        assertThat(s.stateConsumer().getProperty(ConsumerConfig.GROUP_ID_CONFIG))
                .isNull();
    }
}
