package io.videolb.health.testing;

import io.videolb.events.CheckerStatus;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Test helpers: publish a desired generation, read the health topic back. */
public final class HealthTopic {
    private HealthTopic() {}

    public static DesiredState state(Map<Long, List<String>> pools, Map<String, String> backups) {
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("203.0.113.1"),
                Ipv4Network.parse("203.0.113.0/24"),
                List.of(),
                300,
                new Fwmark(1),
                Scheduler.parse("wlc"));
        TreeMap<Fwmark, Pool> p = new TreeMap<>();
        pools.forEach((m, servers) -> p.put(
                new Fwmark(m),
                new Pool(
                        new Fwmark(m),
                        Scheduler.parse("wlc"),
                        servers.stream()
                                .map(s -> RealServer.of(Ipv4Address.parse(s)))
                                .toList())));
        TreeMap<Ipv4Address, Ipv4Address> b = new TreeMap<>();
        backups.forEach((s, k) -> b.put(Ipv4Address.parse(s), Ipv4Address.parse(k)));
        return new DesiredState(params, new TreeMap<>(), p, b);
    }

    /** Writes all entity records of {@code s} and a generation marker (plain idempotent producer; the real publisher uses a transaction). */
    public static void publishDesired(String bootstrap, Topics topics, DesiredState s, long generation)
            throws Exception {
        SortedMap<String, String> records = DesiredRecords.encode(s);
        try (KafkaProducer<String, String> p = producer(bootstrap)) {
            for (Map.Entry<String, String> e : records.entrySet()) {
                p.send(new ProducerRecord<>(topics.desired(), e.getKey(), e.getValue()))
                        .get();
            }
            GenerationMarker m = new GenerationMarker(
                    generation,
                    DesiredRecords.digest(records),
                    records.size(),
                    records.size(),
                    "test",
                    "test",
                    System.currentTimeMillis());
            p.send(new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, Json.write(m)))
                    .get();
        }
    }

    public static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Every server verdict on the health topic, in partition order (which is per-server publication order). */
    public static List<HealthVerdict> readVerdicts(String bootstrap, Topics topics) {
        List<HealthVerdict> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : readAll(bootstrap, topics.health())) {
            if (io.videolb.events.HealthRecord.decode(r.key(), r.value())
                    instanceof io.videolb.events.HealthRecord.ServerVerdict v) out.add(v.verdict());
        }
        return out;
    }

    /** Every stream inventory record ({@code inventory/IP}) on the health topic, in partition order. */
    public static List<io.videolb.events.ServerStreams> readInventories(String bootstrap, Topics topics) {
        List<io.videolb.events.ServerStreams> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : readAll(bootstrap, topics.health())) {
            if (io.videolb.events.HealthRecord.decode(r.key(), r.value())
                    instanceof io.videolb.events.HealthRecord.ServerInventory i) out.add(i.streams());
        }
        return out;
    }

    /** How many records of the health topic {@link io.videolb.events.HealthTopicView} finds unreadable. */
    public static long unreadable(String bootstrap, Topics topics) {
        io.videolb.events.HealthTopicView view = new io.videolb.events.HealthTopicView();
        for (ConsumerRecord<String, String> r : readAll(bootstrap, topics.health())) view.apply(r.key(), r.value());
        return view.unreadableCount();
    }

    public static List<CheckerStatus> readCheckers(String bootstrap, Topics topics) {
        List<CheckerStatus> out = new ArrayList<>();
        for (ConsumerRecord<String, String> r : readAll(bootstrap, topics.health())) {
            if (r.value() != null && r.key().startsWith(CheckerStatus.KEY_PREFIX))
                out.add(Json.read(r.value(), CheckerStatus.class));
        }
        return out;
    }

    static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("client.id", "test-reader-" + UUID.randomUUID());
        p.put("enable.auto.commit", "false");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline) {
                boolean done = true;
                for (TopicPartition tp : parts) done &= c.position(tp) >= end.get(tp);
                if (done) break;
                c.poll(Duration.ofMillis(100)).forEach(out::add);
            }
        }
        return out;
    }
}
