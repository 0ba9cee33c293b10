package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class TransactionalPublisherFencingTest {

    @Test
    void producerFencedIsFencing() {
        assertThat(TransactionalPublisher.isFencing(new ProducerFencedException("newer epoch")))
                .isTrue();
    }

    @Test
    void invalidProducerEpochIsFencingAsKafka4ReportsIt() {
        assertThat(TransactionalPublisher.isFencing(new InvalidProducerEpochException("epoch bumped")))
                .isTrue();
    }

    @Test
    void aFencingCauseInsideAWrapperIsFencing() {
        assertThat(TransactionalPublisher.isFencing(new ExecutionException(new InvalidProducerEpochException("x"))))
                .isTrue();
        assertThat(TransactionalPublisher.isFencing(
                        new KafkaException("commit failed", new ProducerFencedException("y"))))
                .isTrue();
    }

    @Test
    void otherErrorsAreNotFencing() {
        assertThat(TransactionalPublisher.isFencing(new TimeoutException("slow")))
                .isFalse();
        assertThat(TransactionalPublisher.isFencing(new ExecutionException(new KafkaException("other"))))
                .isFalse();
        assertThat(TransactionalPublisher.isFencing(null)).isFalse();
    }
}
