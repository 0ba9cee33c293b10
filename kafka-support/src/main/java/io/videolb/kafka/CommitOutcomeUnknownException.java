package io.videolb.kafka;

/**
 * {@code commitTransaction()} kept timing out (retried, as Kafka allows after a
 * {@link org.apache.kafka.common.errors.TimeoutException}) until the publisher's commit budget ran out: the
 * transaction may still be committed by its coordinator, or aborted. Nobody may report it as failed. The
 * producer was closed; the next {@code init()}/publish opens a new one, whose {@code initTransactions()} waits for
 * the open transaction to complete or aborts it, so state read back after that is final.
 */
public final class CommitOutcomeUnknownException extends PublishException {
    private static final long serialVersionUID = 1L;

    public CommitOutcomeUnknownException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
