package io.videolb.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a batch of records in ONE Kafka transaction: {@code read_committed} readers see all of
 * it or nothing. Used for a desired-state generation (a CSV import or an API change).
 *
 * <p>The producer is created and {@code initTransactions()} called once, on the first publish (which
 * also aborts whatever a previous incarnation with the same transactional id left open). On an
 * error the transaction is aborted and a {@link PublishException} thrown; the publisher stays usable
 * (if the abort itself fails, the producer is recreated on the next publish). If another publisher
 * with the same transactional id fenced this one, the exception says so ({@code isFenced()}) and
 * every later publish fails at once. Thread-safe: publishes are serialized.
 */
public final class TransactionalPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalPublisher.class);

    /** One record of a batch; {@code value == null} publishes a tombstone. */
    public record Entry(String topic, String key, String value) {
        public Entry {
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(key, "key");
        }

        public static Entry tombstone(String topic, String key) {
            return new Entry(topic, key, null);
        }
    }

    /** Default longest time {@link #publish} keeps retrying a {@code commitTransaction()} that timed out. */
    public static final Duration DEFAULT_COMMIT_BUDGET = Duration.ofSeconds(60);

    private final KafkaSettings settings;
    private final String transactionalId;
    private final Duration maxBlock;
    private final Duration commitBudget;
    private Producer<String, String> producer;
    private boolean fenced;
    private boolean closed;

    public TransactionalPublisher(KafkaSettings settings, String transactionalId) {
        this(settings, transactionalId, null, DEFAULT_COMMIT_BUDGET);
    }

    /**
     * @param maxBlock     the producer's {@code max.block.ms} (how long one send, {@code initTransactions()} or
     *                     {@code commitTransaction()} call may block); null keeps {@link KafkaSettings#MAX_BLOCK_MS}
     *                     or the operator's value
     * @param commitBudget how long a commit that timed out is retried before {@link CommitOutcomeUnknownException}
     */
    public TransactionalPublisher(
            KafkaSettings settings, String transactionalId, Duration maxBlock, Duration commitBudget) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.transactionalId = Objects.requireNonNull(transactionalId, "transactionalId");
        this.maxBlock = maxBlock;
        this.commitBudget = Objects.requireNonNull(commitBudget, "commitBudget");
        settings.transactionalProducer(transactionalId); // validate now
    }

    /**
     * Creates the producer and calls {@code initTransactions()} now instead of on the first
     * publish: this fences an older publisher with the same transactional id at once and aborts a
     * transaction it left open, so state read back after {@code init()} is final (a zombie
     * instance can commit nothing more; otherwise it is only fenced by the first publish). Idempotent.
     *
     * @throws PublishException if the broker does not answer in time or this publisher is closed or fenced
     */
    public synchronized TransactionalPublisher init() {
        if (closed || fenced) {
            throw new PublishException(
                    "publisher " + transactionalId + " is " + (fenced ? "fenced" : "closed"), null, fenced);
        }
        try {
            producer();
        } catch (RuntimeException e) {
            throw new PublishException("initTransactions of " + transactionalId + " failed: " + e, e, isFencing(e));
        }
        return this;
    }

    /**
     * Publishes {@code batch} in one transaction and returns once it is committed, with the
     * metadata (partition, offset) of each record in batch order.
     *
     * @throws PublishException if the transaction was aborted or could not be started
     */
    public synchronized List<RecordMetadata> publish(List<Entry> batch) {
        if (closed) {
            throw new PublishException("publisher " + transactionalId + " is closed", null, fenced);
        }
        if (fenced) {
            throw new PublishException("publisher " + transactionalId + " was fenced by another instance", null, true);
        }
        boolean begun = false;
        try {
            Producer<String, String> p = producer();
            p.beginTransaction();
            begun = true;
            List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
            for (Entry e : batch) {
                futures.add(p.send(new ProducerRecord<>(e.topic(), e.key(), e.value())));
            }
            commit(p); // flushes; throws if any send failed
            List<RecordMetadata> out = new ArrayList<>(futures.size());
            for (Future<RecordMetadata> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (CommitOutcomeUnknownException e) {
            throw e;
        } catch (ProducerFencedException
                | InvalidProducerEpochException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            // fatal for this producer: it can only be closed
            boolean isFenced = isFencing(e);
            fenced = isFenced;
            discardProducer();
            throw new PublishException(
                    "transaction of " + transactionalId + " failed"
                            + (isFenced ? " (fenced by another publisher with the same transactional id)" : "") + ": "
                            + e,
                    e,
                    isFenced);
        } catch (KafkaException | ExecutionException e) {
            if (isFencing(e)) {
                // e.g. a send future failing with InvalidProducerEpochException: a newer producer took over
                fenced = true;
                discardProducer();
                throw new PublishException(
                        "transaction of " + transactionalId
                                + " failed (fenced by another publisher with the same transactional id): " + e,
                        e,
                        true);
            }
            abortQuietly(begun);
            throw new PublishException("transaction of " + transactionalId + " aborted: " + e, e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortQuietly(begun);
            throw new PublishException("interrupted; transaction of " + transactionalId + " aborted", e, false);
        } catch (RuntimeException e) {
            abortQuietly(begun);
            throw new PublishException("transaction of " + transactionalId + " aborted: " + e, e, false);
        }
    }

    /**
     * {@code commitTransaction()}, retried while it times out (the KafkaProducer contract: after a
     * {@link org.apache.kafka.common.errors.TimeoutException} the commit may be retried, and must not be taken as
     * an abort: the coordinator may already be writing the commit markers). Past {@link #commitBudget} the outcome
     * is unknown: the producer is closed without an abort and {@link CommitOutcomeUnknownException} thrown.
     */
    private void commit(Producer<String, String> p) {
        long deadline = System.nanoTime() + commitBudget.toNanos();
        int attempt = 1;
        while (true) {
            try {
                p.commitTransaction();
                if (attempt > 1) LOG.info("transaction of {} committed at attempt {}", transactionalId, attempt);
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (System.nanoTime() - deadline >= 0) {
                    LOG.warn(
                            "commit of {} still unanswered after {} attempts ({} s): outcome unknown",
                            transactionalId,
                            attempt,
                            commitBudget.toSeconds());
                    // no abort: that would be wrong if the coordinator already decided to commit; the next
                    // producer's initTransactions() completes or aborts the transaction
                    discardProducer();
                    throw new CommitOutcomeUnknownException(
                            "commit of transaction " + transactionalId + " not confirmed within "
                                    + commitBudget.toSeconds() + " s (" + attempt + " attempts): it may or may not"
                                    + " become visible",
                            e);
                }
                LOG.warn(
                        "commit of {} timed out (attempt {}): retrying the commit as Kafka requires",
                        transactionalId,
                        attempt);
                attempt++;
            }
        }
    }

    private Producer<String, String> producer() {
        if (producer == null) {
            Properties props = settings.transactionalProducer(transactionalId);
            if (maxBlock != null)
                props.put(
                        org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG,
                        Long.toString(maxBlock.toMillis()));
            props.put(CommonClientConfigs.CLIENT_ID_CONFIG, settings.uniqueClientId("tx"));
            KafkaProducer<String, String> p = new KafkaProducer<>(props);
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ofSeconds(5));
                throw e;
            }
            producer = p;
        }
        return producer;
    }

    private void abortQuietly(boolean begun) {
        if (producer == null) {
            return;
        }
        if (!begun) {
            discardProducer();
            return;
        }
        try {
            producer.abortTransaction();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            fenced = true;
            discardProducer();
        } catch (RuntimeException e) {
            // abort impossible (fatal or timed out): a new producer's initTransactions() aborts it
            LOG.warn("abort of transaction {} failed ({}); recreating the producer", transactionalId, e.toString());
            discardProducer();
        }
    }

    private void discardProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debug("closing producer", e);
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        discardProducer();
    }

    /**
     * True if {@code e} or one of its causes says a newer producer with the same transactional id
     * took over: {@link ProducerFencedException}, or {@link InvalidProducerEpochException}, which is
     * how Kafka 4.x reports it on a send or commit of the old producer.
     */
    public static boolean isFencing(Throwable e) {
        return Causes.any(e, ProducerFencedException.class, InvalidProducerEpochException.class);
    }

    /** True once another publisher with the same transactional id fenced this one. */
    public synchronized boolean isFenced() {
        return fenced;
    }
}
