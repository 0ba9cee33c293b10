package io.videolb.config.desired;

/** A {@link StateEdit} removes an entity (client, pool, backup) the desired state does not hold; the message names it. */
public final class NotInStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotInStateException(String message) {
        super(message, null, false, false);
    }
}
