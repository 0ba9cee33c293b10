package io.videolb.agent.e2e;

import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.events.Verdict;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes the desired topic exactly as the contract says (changed entity records + one
 * {@link GenerationMarker}, in one Kafka transaction) and health verdicts, for the agent's ITs.
 * It can also write what must never be applied: a generation whose transaction is aborted, and
 * entity records committed without their marker.
 */
public final class TestPublisher implements AutoCloseable {
    private final Topics topics;
    private final KafkaProducer<String, String> producer;
    private SortedMap<String, String> current = new TreeMap<>();
    private long generation;

    public TestPublisher(String bootstrap, Topics topics) {
        this.topics = topics;
        String id = "it-publisher-" + UUID.randomUUID().toString().substring(0, 8);
        this.producer = new KafkaProducer<>(KafkaSettings.of(bootstrap, id).transactionalProducer(id));
        producer.initTransactions();
    }

    public long generation() {
        return generation;
    }

    /** Publishes {@code s} as the next generation (entity diff + marker, one transaction); returns its number. */
    public synchronized long publish(DesiredState s) {
        SortedMap<String, String> next = DesiredRecords.encode(s);
        SortedMap<String, String> diff = DesiredRecords.diff(current, next);
        long gen = generation + 1;
        producer.beginTransaction();
        diff.forEach((k, v) -> producer.send(new ProducerRecord<>(topics.desired(), k, v)));
        producer.send(
                new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, marker(gen, next, diff.size())));
        producer.commitTransaction();
        current = next;
        generation = gen;
        return gen;
    }

    /** Writes the records AND the marker of the next generation, then aborts the transaction: nothing of it may ever be applied. */
    public synchronized void publishAborted(DesiredState s) {
        SortedMap<String, String> next = DesiredRecords.encode(s);
        SortedMap<String, String> diff = DesiredRecords.diff(current, next);
        producer.beginTransaction();
        diff.forEach((k, v) -> producer.send(new ProducerRecord<>(topics.desired(), k, v)));
        producer.send(new ProducerRecord<>(
                topics.desired(), DesiredRecords.GENERATION, marker(generation + 1, next, diff.size())));
        producer.flush();
        producer.abortTransaction();
    }

    /** Commits the entity records of {@code s} WITHOUT a marker (half a generation); {@link #closeHalf} adds the marker later. */
    public synchronized void publishWithoutMarker(DesiredState s) {
        SortedMap<String, String> next = DesiredRecords.encode(s);
        SortedMap<String, String> diff = DesiredRecords.diff(current, next);
        producer.beginTransaction();
        diff.forEach((k, v) -> producer.send(new ProducerRecord<>(topics.desired(), k, v)));
        producer.commitTransaction();
        current = next;
        pendingChanges = diff.size();
    }

    private int pendingChanges;

    /** Writes the marker that closes what {@link #publishWithoutMarker} wrote. */
    public synchronized long closeHalf() {
        long gen = generation + 1;
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(
                topics.desired(), DesiredRecords.GENERATION, marker(gen, current, pendingChanges)));
        producer.commitTransaction();
        generation = gen;
        return gen;
    }

    private static String marker(long gen, SortedMap<String, String> entities, int changes) {
        return Json.write(new GenerationMarker(
                gen,
                DesiredRecords.digest(entities),
                entities.size(),
                changes,
                "it",
                "it",
                System.currentTimeMillis()));
    }

    /** Publishes verdicts (key: the server's address), in one transaction, on the given partition (null: by key). */
    public synchronized void verdicts(Integer partition, List<HealthVerdict> verdicts) {
        producer.beginTransaction();
        for (HealthVerdict v : verdicts) {
            producer.send(
                    new ProducerRecord<>(topics.health(), partition, v.server().toString(), Json.write(v)));
        }
        producer.commitTransaction();
    }

    public static HealthVerdict verdict(String server, boolean up, long sequence) {
        return new HealthVerdict(
                Ipv4Address.parse(server),
                up ? Verdict.UP : Verdict.DOWN,
                ProbeLevel.RTMP,
                up ? "rtmp handshake ok" : "rtmp handshake failed",
                1000,
                "it-checker",
                sequence,
                System.currentTimeMillis());
    }

    /** Raw records, e.g. what a test wants to show is ignored. */
    public synchronized void raw(String topic, Map<String, String> records) {
        producer.beginTransaction();
        records.forEach((k, v) -> producer.send(new ProducerRecord<>(topic, k, v)));
        producer.commitTransaction();
    }

    public List<String> currentKeys() {
        return new ArrayList<>(current.keySet());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
