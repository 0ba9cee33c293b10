package io.videolb.kafka;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * A publish did not complete: for a transactional batch, nothing of it is visible to
 * {@code read_committed} readers. {@link #isFenced()} means another publisher with the same
 * transactional id took over; this publisher is closed for good.
 */
public class PublishException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean fenced;

    public PublishException(String message, Throwable cause, boolean fenced) {
        super(message, cause);
        this.fenced = fenced;
    }

    public boolean isFenced() {
        return fenced;
    }

    /**
     * Whether trying again later may succeed: the broker was slow or away (a timeout, a retriable Kafka error, a
     * transaction aborted after its retries ran out, a commit whose outcome is unknown), not fenced, not refused
     * (authorisation, an unsupported version, a record too large).
     */
    public boolean isTransient() {
        if (fenced) return false;
        if (this instanceof CommitOutcomeUnknownException) return true;
        if (Causes.any(
                getCause(),
                AuthorizationException.class,
                AuthenticationException.class,
                UnsupportedVersionException.class,
                RecordTooLargeException.class)) return false;
        return Causes.any(getCause(), RetriableException.class, TransactionAbortableException.class);
    }
}
