package io.videolb.alert;

import io.videolb.alert.incident.Incident;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.PublishException;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.StateTopicReader.StateRecord;
import io.videolb.kafka.TransactionalPublisher;
import io.videolb.kafka.TransactionalPublisher.Entry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert service's durable state on the compacted alert-state topic: {@code incident/ID},
 * {@code outbox/SEQ} and {@code meta}. Every write is one Kafka transaction (acks=all,
 * idempotent, a stable transactional id, so a second instance fences the first), so an incident
 * change and the mail that reports it are stored together or not at all. Read back with
 * read_committed from offset 0 on start.
 */
final class AlertStateStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertStateStore.class);
    static final String INCIDENT = "incident/";
    static final String OUTBOX = "outbox/";

    record Loaded(List<Incident> incidents, List<OutboxMail> outbox, Meta meta, long records) {}

    private final KafkaSettings settings;
    private final String topic;
    private final TransactionalPublisher publisher;
    private final Supplier<Meta> meta;

    /**
     * Creates the transactional publisher (kafka-support) and initialises it at once: an older
     * instance with the same transactional id is fenced and its open transaction aborted before
     * {@link #load} reads the state, so what is loaded is final.
     */
    AlertStateStore(KafkaSettings settings, String topic, String transactionalId, Supplier<Meta> meta) {
        this.settings = settings;
        this.topic = topic;
        this.meta = meta;
        this.publisher = new TransactionalPublisher(settings, transactionalId);
        try {
            publisher.init();
        } catch (PublishException e) {
            publisher.close();
            throw e;
        }
    }

    /** Reads the whole topic (committed records only) from offset 0 to its end (kafka-support's StateTopicReader). */
    Loaded load(Duration timeout) {
        TreeMap<String, String> folding = new TreeMap<>();
        AtomicReference<TreeMap<String, String>> atEnd = new AtomicReference<>();
        long[] n = {0, 0};
        StateTopicReader.Listener listener = new StateTopicReader.Listener() {
            @Override
            public void onRecord(StateRecord r) {
                n[0]++;
                if (r.key() == null) return;
                if (r.isTombstone()) folding.remove(r.key());
                else folding.put(r.key(), r.value());
            }

            @Override
            public void onCaughtUp() {
                n[1] = n[0];
                atEnd.set(new TreeMap<>(folding));
            }
        };
        try (StateTopicReader reader = StateTopicReader.start(settings, List.of(topic), listener, timeout)) {
            if (!reader.awaitCaughtUp(timeout))
                throw new IllegalStateException("alert state not read to its end within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the alert state", e);
        }
        TreeMap<String, String> state = atEnd.get();
        List<Incident> incidents = new ArrayList<>();
        List<OutboxMail> outbox = new ArrayList<>();
        Meta m = Meta.initial();
        for (Map.Entry<String, String> e : state.entrySet()) {
            try {
                if (e.getKey().startsWith(INCIDENT)) incidents.add(Json.read(e.getValue(), Incident.class));
                else if (e.getKey().startsWith(OUTBOX)) outbox.add(Json.read(e.getValue(), OutboxMail.class));
                else if (e.getKey().equals(Meta.KEY)) m = Json.read(e.getValue(), Meta.class);
            } catch (IllegalArgumentException ex) {
                LOG.error("alert state record {} is unreadable and ignored: {}", e.getKey(), ex.getMessage());
            }
        }
        return new Loaded(incidents, outbox, m, n[1]);
    }

    /** Writes incident changes, outbox puts and deletes and the meta record in one transaction. */
    synchronized void write(
            List<Incident> incidents,
            List<String> removedIncidents,
            List<OutboxMail> outboxPut,
            List<Long> outboxRemoved) {
        List<Entry> batch = new ArrayList<>();
        for (Incident i : incidents) batch.add(new Entry(topic, INCIDENT + i.id(), Json.write(i)));
        for (String id : removedIncidents) batch.add(Entry.tombstone(topic, INCIDENT + id));
        for (OutboxMail m : outboxPut) batch.add(new Entry(topic, m.key(), Json.write(m)));
        for (Long seq : outboxRemoved) batch.add(Entry.tombstone(topic, OutboxMail.key(seq)));
        batch.add(new Entry(topic, Meta.KEY, Json.write(meta.get())));
        try {
            publisher.publish(batch); // one transaction; aborted and thrown on error
        } catch (PublishException e) {
            if (e.isFenced())
                throw new IllegalStateException(
                        "another alert service instance with the same id took over the alert state", e);
            throw e;
        }
    }

    /**
     * The topic was deleted and recreated under the running service: writes the whole state again into the new
     * topic in one transaction (every incident, every mail still held, the meta), so a restart reads what the
     * running service knows instead of only what changed since. {@code held} is read under the store's lock, the one
     * {@link Delivery} holds from its write to its outbox update, so a mail sent and deleted meanwhile is not put back.
     */
    synchronized void rewrite(List<Incident> incidents, Supplier<List<OutboxMail>> held) {
        write(incidents, List.of(), held.get(), List.of());
    }

    @Override
    public void close() {
        publisher.close();
    }
}
