package io.videolb.alert.mail;

import java.time.Duration;

/** Delivers one composed mail. Implementations never throw: every outcome is a {@link DeliveryResult}. */
public interface MailSender extends AutoCloseable {
    DeliveryResult send(OutboxMail mail, Duration timeout);

    /** Where mail goes, for logs and /health ("smtp://host:port (STARTTLS)", "folder /path"). */
    String describe();

    @Override
    default void close() {}
}
