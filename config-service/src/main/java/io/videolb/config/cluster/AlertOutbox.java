package io.videolb.config.cluster;

/**
 * What the admin page shows of alert-service's outbox (its {@code outbox/SEQ} records on the alert-state topic):
 * mails waiting for the relay, and mails the relay refused permanently (dead letters, sent again by
 * {@code videolb alert retry}).
 *
 * @param lastDeadLetterReply the SMTP reply of the newest dead letter, control characters replaced, at most 300 characters
 */
public record AlertOutbox(int pending, int deadLetters, String lastDeadLetterReply) {
    public static final AlertOutbox NONE = new AlertOutbox(0, 0, "");

    public AlertOutbox {
        lastDeadLetterReply = lastDeadLetterReply == null ? "" : lastDeadLetterReply;
    }
}
