package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.junit.jupiter.api.Test;

/** Which failed publishes are worth trying again (config-service's import at start retries only those). */
class PublishExceptionTest {
    static PublishException failed(Throwable cause) {
        return new PublishException("transaction of t aborted: " + cause, cause, false);
    }

    @Test
    void aSlowOrAwayBrokerIsTransient() {
        // what a starved embedded broker gave in the VM: metadata not in time, the transaction aborted after retries
        TransactionAbortableException aborted = new TransactionAbortableException(
                "Transaction Request was aborted after exhausting retries.",
                new TimeoutException("Topic videolb.desired-history not present in metadata after 5000 ms."));
        assertThat(failed(new KafkaException(
                                "Cannot execute transactional method because we are in an error state", aborted))
                        .isTransient())
                .isTrue();
        assertThat(failed(new TimeoutException("Timeout expired after 5000ms while awaiting InitProducerId"))
                        .isTransient())
                .isTrue();
        assertThat(failed(new NotEnoughReplicasException("2 < 3")).isTransient())
                .isTrue();
        assertThat(new CommitOutcomeUnknownException("not confirmed", new TimeoutException("x")).isTransient())
                .isTrue();
    }

    @Test
    void aRefusalOrAFenceIsNot() {
        assertThat(failed(new TopicAuthorizationException("videolb.desired")).isTransient())
                .isFalse();
        assertThat(failed(new KafkaException("wrapped", new TopicAuthorizationException("x")))
                        .isTransient())
                .isFalse();
        assertThat(new PublishException("fenced", new ProducerFencedException("newer"), true).isTransient())
                .isFalse();
        assertThat(failed(new IllegalStateException("publisher is closed")).isTransient())
                .isFalse();
        assertThat(new PublishException("closed", null, false).isTransient()).isFalse();
    }
}
