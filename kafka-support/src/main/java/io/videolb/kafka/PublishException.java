package io.videolb.kafka;

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
}
