package io.videolb.alert;

import io.videolb.alert.mail.DeliveryResult;
import io.videolb.alert.mail.MailSender;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.model.MailAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox, oldest first, on its own thread. Before each attempt the mail is stored as
 * in flight; after 250 its outbox record is deleted; a transient failure is stored and retried
 * after a capped exponential backoff; a permanent one is counted, logged and deleted. Kafka
 * unreachable: nothing is sent (the attempt could not be recorded), retried later.
 */
final class Delivery implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);

    private final ConcurrentSkipListMap<Long, OutboxMail> outbox = new ConcurrentSkipListMap<>();
    private final Map<Long, Long> notBefore = new java.util.concurrent.ConcurrentHashMap<>();
    private final AlertStateStore store;
    private final MailSender sender;
    private final Counters counters;
    private final Supplier<List<MailAddress>> recipients;
    private final Duration retryBase;
    private final Duration retryMax;
    private final Duration sendTimeout;
    private final Object wake = new Object();
    private volatile boolean running = true;
    private volatile String lastError = "";

    Delivery(
            AlertStateStore store,
            MailSender sender,
            Counters counters,
            Supplier<List<MailAddress>> recipients,
            Duration retryBase,
            Duration retryMax,
            Duration sendTimeout) {
        this.store = store;
        this.sender = sender;
        this.counters = counters;
        this.recipients = recipients;
        this.retryBase = retryBase;
        this.retryMax = retryMax;
        this.sendTimeout = sendTimeout;
    }

    void offer(OutboxMail m) {
        outbox.put(m.seq(), m);
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    int pending() {
        return outbox.size();
    }

    String lastError() {
        return lastError;
    }

    long oldestPendingCreatedAtMs() {
        return outbox.values().stream().mapToLong(OutboxMail::createdAtMs).min().orElse(0);
    }

    void stop() {
        running = false;
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    @Override
    public void run() {
        while (running) {
            try {
                OutboxMail next = nextDue(System.currentTimeMillis());
                if (next == null) {
                    synchronized (wake) {
                        wake.wait(200);
                    }
                    continue;
                }
                deliver(next);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                lastError = "alert state not writable: " + e.getMessage();
                LOG.warn("mail delivery paused: {}", lastError);
                sleep(1000);
            }
        }
    }

    private OutboxMail nextDue(long now) {
        for (OutboxMail m : outbox.values()) {
            if (notBefore.getOrDefault(m.seq(), 0L) <= now) return m;
        }
        return null;
    }

    private void deliver(OutboxMail m) {
        long now = System.currentTimeMillis();
        List<MailAddress> to = m.to().isEmpty() ? recipients.get() : m.to();
        if (to.isEmpty()) {
            lastError = "no recipient: set mailid in param.csv or VIDEOLB_ALERT_TO";
            notBefore.put(m.seq(), now + 5000);
            return;
        }
        OutboxMail attempt = m.withRecipients(to).attempt();
        store.write(List.of(), List.of(), List.of(attempt), List.of()); // durable "in flight" before the send
        outbox.put(m.seq(), attempt);
        DeliveryResult r = sender.send(attempt, sendTimeout);
        if (r instanceof DeliveryResult.Accepted a) {
            counters.sent.incrementAndGet();
            if (attempt.possibleDuplicate()) counters.duplicates.incrementAndGet();
            store.write(List.of(), List.of(), List.of(), List.of(m.seq()));
            outbox.remove(m.seq());
            notBefore.remove(m.seq());
            lastError = "";
            LOG.info(
                    "alert mail {} accepted after {} attempt(s){}: {} ({})",
                    attempt.messageId(),
                    attempt.attempts(),
                    attempt.possibleDuplicate() ? ", possibly a duplicate of an earlier unconfirmed attempt" : "",
                    attempt.subject(),
                    a.serverReply());
        } else if (r instanceof DeliveryResult.Transient t) {
            counters.transientFailures.incrementAndGet();
            OutboxMail failed = attempt.failed(t.reason(), t.maybeDelivered());
            outbox.put(m.seq(), failed);
            long backoff = Math.min(
                    retryMax.toMillis(), retryBase.toMillis() << Math.min(20, Math.max(0, attempt.attempts() - 1)));
            notBefore.put(m.seq(), now + backoff);
            lastError = t.reason();
            LOG.warn(
                    "alert mail {} not delivered (attempt {}), retry in {} ms: {}",
                    attempt.messageId(),
                    attempt.attempts(),
                    backoff,
                    t.reason());
            store.write(List.of(), List.of(), List.of(failed), List.of());
        } else if (r instanceof DeliveryResult.Permanent p) {
            counters.permanentFailure(attempt.messageId() + " " + attempt.subject() + ": " + p.reason());
            store.write(List.of(), List.of(), List.of(), List.of(m.seq()));
            outbox.remove(m.seq());
            notBefore.remove(m.seq());
            lastError = p.reason();
            LOG.error(
                    "alert mail {} REJECTED permanently, not retried: {}; subject was: {}",
                    attempt.messageId(),
                    p.reason(),
                    attempt.subject());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
