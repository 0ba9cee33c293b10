package io.videolb.alert.mail;

/** How one send attempt ended. */
public sealed interface DeliveryResult {
    /** The server answered 250 to the message data. */
    record Accepted(String serverReply) implements DeliveryResult {}

    /**
     * Worth retrying: 4xx, timeout, refused, TLS or connection trouble. {@code maybeDelivered}
     * when the outcome is unknown (e.g. a timeout after the data was sent), so a retry may
     * produce a duplicate.
     */
    record Transient(String reason, boolean maybeDelivered) implements DeliveryResult {}

    /** 5xx (or a local error that no retry can fix): logged, counted, shown, not retried. */
    record Permanent(String reason) implements DeliveryResult {}
}
