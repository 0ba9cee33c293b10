package io.videolb.alert;

import io.videolb.alert.incident.Incident;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.json.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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

    private final String bootstrap;
    private final String topic;
    private final KafkaProducer<String, String> producer;
    private final Supplier<Meta> meta;

    AlertStateStore(String bootstrap, String topic, String transactionalId, Supplier<Meta> meta) {
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.meta = meta;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "30000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        producer.initTransactions();
    }

    /** Reads the whole topic (committed records only) from offset 0 to its end. */
    Loaded load(Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TreeMap<String, String> state = new TreeMap<>();
        long n = 0;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(topic, timeout).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("alert state not read to its end within " + timeout);
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    n++;
                    if (r.key() == null) continue;
                    if (r.value() == null) state.remove(r.key()); else state.put(r.key(), r.value());
                }
            }
        }
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
        return new Loaded(incidents, outbox, m, n);
    }

    /** Writes incident changes, outbox puts and deletes and the meta record in one transaction. */
    synchronized void write(List<Incident> incidents, List<String> removedIncidents, List<OutboxMail> outboxPut, List<Long> outboxRemoved) {
        try {
            producer.beginTransaction();
            for (Incident i : incidents) producer.send(new ProducerRecord<>(topic, INCIDENT + i.id(), Json.write(i)));
            for (String id : removedIncidents) producer.send(new ProducerRecord<>(topic, INCIDENT + id, null));
            for (OutboxMail m : outboxPut) producer.send(new ProducerRecord<>(topic, m.key(), Json.write(m)));
            for (Long seq : outboxRemoved) producer.send(new ProducerRecord<>(topic, OutboxMail.key(seq), null));
            producer.send(new ProducerRecord<>(topic, Meta.KEY, Json.write(meta.get())));
            producer.commitTransaction();
        } catch (org.apache.kafka.common.errors.ProducerFencedException e) {
            throw new IllegalStateException("another alert service instance with the same id took over the alert state", e);
        } catch (KafkaException e) {
            try {
                producer.abortTransaction();
            } catch (KafkaException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
