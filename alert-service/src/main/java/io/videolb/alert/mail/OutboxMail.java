package io.videolb.alert.mail;

import io.videolb.model.FieldText;
import io.videolb.model.MailAddress;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A composed mail waiting for the SMTP server's 250, stored on the alert-state topic under
 * {@code outbox/SEQ} in the same transaction as the incident changes it reports. Deleted
 * (tombstone) after 250 or a permanent failure.
 *
 * @param messageId     {@code <videolb.PREFIX.SEQ@DOMAIN>}: the same on every attempt, so a re-send is recognisable
 * @param attempts      send attempts started so far (written before each attempt)
 * @param inFlight      an attempt was started and its outcome not yet recorded: a re-send may be a duplicate
 * @param lastError     the last failure (transient, or the permanent SMTP reply of a dead letter), for /health
 * @param deadLetter    the relay refused it permanently (5xx): kept, not retried until an operator asks
 *                      ({@code videolb alert retry}) or the service starts with a different relay
 * @param refusedBy     the relay that refused it ({@link MailSender#describe()}), empty unless dead-lettered
 */
public record OutboxMail(
        long seq,
        String messageId,
        MailAddress from,
        List<MailAddress> to,
        String subject,
        String body,
        long createdAtMs,
        int attempts,
        boolean inFlight,
        boolean possibleDuplicate,
        String lastError,
        boolean deadLetter,
        String refusedBy) {
    private static final Pattern MESSAGE_ID = Pattern.compile("<[A-Za-z0-9._-]{1,120}@[A-Za-z0-9.-]{1,200}>");

    public OutboxMail {
        Objects.requireNonNull(from, "from");
        to = to == null ? List.of() : List.copyOf(to);
        if (messageId == null || !MESSAGE_ID.matcher(messageId).matches())
            throw new IllegalArgumentException("unsafe Message-ID");
        FieldText.check(subject); // no CR/LF or other control characters: it becomes a header
        Objects.requireNonNull(body, "body");
        lastError = lastError == null ? "" : lastError;
        refusedBy = refusedBy == null ? "" : refusedBy;
    }

    /** A mail that is not dead-lettered (records written before dead letters existed read the same way). */
    public OutboxMail(
            long seq,
            String messageId,
            MailAddress from,
            List<MailAddress> to,
            String subject,
            String body,
            long createdAtMs,
            int attempts,
            boolean inFlight,
            boolean possibleDuplicate,
            String lastError) {
        this(
                seq,
                messageId,
                from,
                to,
                subject,
                body,
                createdAtMs,
                attempts,
                inFlight,
                possibleDuplicate,
                lastError,
                false,
                "");
    }

    /** Refused permanently by {@code relay} with {@code reply}: kept as a dead letter. */
    public OutboxMail deadLettered(String reply, String relay) {
        return withDelivery(attempts, false, possibleDuplicate, reply, true, relay);
    }

    /** Back in the queue (operator retry or a new relay); the last reply stays for /health until it is sent. */
    public OutboxMail revived() {
        return withDelivery(attempts, false, possibleDuplicate, lastError, false, "");
    }

    public String key() {
        return key(seq);
    }

    public static String key(long seq) {
        return "outbox/" + seq;
    }

    public OutboxMail attempt() {
        return withDelivery(attempts + 1, true, possibleDuplicate || inFlight, lastError, false, "");
    }

    public OutboxMail failed(String error, boolean maybeDelivered) {
        return withDelivery(attempts, false, possibleDuplicate || maybeDelivered, error, false, "");
    }

    /** This mail with another delivery state (the composed message stays as it is). */
    private OutboxMail withDelivery(
            int attempts,
            boolean inFlight,
            boolean possibleDuplicate,
            String lastError,
            boolean deadLetter,
            String refusedBy) {
        return new OutboxMail(
                seq,
                messageId,
                from,
                to,
                subject,
                body,
                createdAtMs,
                attempts,
                inFlight,
                possibleDuplicate,
                lastError,
                deadLetter,
                refusedBy);
    }

    public OutboxMail withRecipients(List<MailAddress> recipients) {
        return new OutboxMail(
                seq,
                messageId,
                from,
                recipients,
                subject,
                body,
                createdAtMs,
                attempts,
                inFlight,
                possibleDuplicate,
                lastError,
                deadLetter,
                refusedBy);
    }
}
