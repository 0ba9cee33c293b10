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
 * after a capped exponential backoff; a permanent one (5xx) is counted, logged and kept as a dead
 * letter: stored, shown on /health and /metrics, not retried until {@link #retryDeadLetters} (an
 * operator, {@code videolb alert retry}) or a start with a different relay. Kafka unreachable:
 * nothing is sent (the attempt could not be recorded), retried later. Time comes from {@code clock}
 * (epoch ms; tests drive it), each attempt is bounded by {@code sendTimeout} in real time.
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
    private final java.util.function.LongSupplier clock;

    Delivery(
            AlertStateStore store,
            MailSender sender,
            Counters counters,
            Supplier<List<MailAddress>> recipients,
            Duration retryBase,
            Duration retryMax,
            Duration sendTimeout,
            java.util.function.LongSupplier clock) {
        this.clock = clock;
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

    /** Mails waiting for 250 (dead letters not counted). */
    int pending() {
        return (int) outbox.values().stream().filter(m -> !m.deadLetter()).count();
    }

    /** Every mail held: pending and dead-lettered (what the outbox bound counts). */
    int held() {
        return outbox.size();
    }

    int deadLettered() {
        return (int) outbox.values().stream().filter(OutboxMail::deadLetter).count();
    }

    /** The SMTP reply of the newest dead letter ("" when none is held). */
    String lastDeadLetterReply() {
        return outbox.values().stream()
                .filter(OutboxMail::deadLetter)
                .reduce((a, b) -> b)
                .map(OutboxMail::lastError)
                .orElse("");
    }

    /** The dead letters, oldest first: sequence, Message-ID, subject, reply, relay (for /health). */
    List<OutboxMail> deadLetters() {
        return outbox.values().stream().filter(OutboxMail::deadLetter).toList();
    }

    /**
     * Puts every dead letter back in the queue (refused by any relay when {@code onlyOtherThan} is null, else
     * only those refused by a relay other than it) and wakes the sender; returns how many. The revived state is
     * stored with the next attempt: a crash before it leaves them dead-lettered in Kafka, to be retried again.
     */
    int retryDeadLetters(String onlyOtherThan) {
        int n = 0;
        for (OutboxMail m : outbox.values()) {
            if (!m.deadLetter() || (onlyOtherThan != null && onlyOtherThan.equals(m.refusedBy()))) continue;
            if (outbox.replace(m.seq(), m, m.revived())) {
                notBefore.remove(m.seq());
                n++;
            }
        }
        synchronized (wake) {
            wake.notifyAll();
        }
        return n;
    }

    /** Every mail held (pending, in flight, dead-lettered), oldest first, as stored. */
    List<OutboxMail> heldMails() {
        return List.copyOf(outbox.values());
    }

    String lastError() {
        return lastError;
    }

    long oldestPendingCreatedAtMs() {
        return outbox.values().stream()
                .filter(m -> !m.deadLetter())
                .mapToLong(OutboxMail::createdAtMs)
                .min()
                .orElse(0);
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
                OutboxMail next = nextDue(clock.getAsLong());
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
            if (!m.deadLetter() && notBefore.getOrDefault(m.seq(), 0L) <= now) return m;
        }
        return null;
    }

    private void deliver(OutboxMail m) {
        long now = clock.getAsLong();
        List<MailAddress> to = m.to().isEmpty() ? recipients.get() : m.to();
        if (to.isEmpty()) {
            lastError = "no recipient: set mailid in param.csv or VIDEOLB_ALERT_TO";
            notBefore.put(m.seq(), now + 5000);
            return;
        }
        OutboxMail attempt = m.withRecipients(to).attempt();
        synchronized (store) { // the write and the outbox update together (AlertStateStore#rewrite)
            store.write(List.of(), List.of(), List.of(attempt), List.of()); // durable "in flight" before the send
            outbox.put(m.seq(), attempt);
        }
        DeliveryResult r = sender.send(attempt, sendTimeout);
        if (r instanceof DeliveryResult.Accepted a) {
            counters.sent.incrementAndGet();
            if (attempt.possibleDuplicate()) counters.duplicates.incrementAndGet();
            synchronized (store) {
                store.write(List.of(), List.of(), List.of(), List.of(m.seq()));
                outbox.remove(m.seq());
            }
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
            synchronized (store) {
                outbox.put(m.seq(), failed);
                store.write(List.of(), List.of(), List.of(failed), List.of());
            }
        } else if (r instanceof DeliveryResult.Permanent p) {
            OutboxMail dead = attempt.deadLettered(p.reason(), sender.describe());
            counters.permanentFailure(attempt.messageId() + " " + attempt.subject() + ": " + p.reason());
            synchronized (store) {
                store.write(List.of(), List.of(), List.of(dead), List.of()); // kept: never lost
                outbox.put(m.seq(), dead);
            }
            notBefore.remove(m.seq());
            lastError = "";
            LOG.error(
                    "alert mail {} REFUSED permanently by {}: {}; kept as dead letter (videolb alert retry, or a"
                            + " restart with another relay, sends it again); subject: {}",
                    attempt.messageId(),
                    sender.describe(),
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
