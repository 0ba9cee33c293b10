package io.videolb.kafka.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {

    @TempDir
    Path tmp;

    @Test
    void startsProducesConsumesAndKeepsDataAcrossRestart() throws Exception {
        Path dataDir = tmp.resolve("kafka");
        String clusterId;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(dataDir)
                .externalListener(0, "10.0.2.100", 9093)
                .start()) {
            System.out.println("cold start: " + broker.startupDuration().toMillis() + " ms");
            assertThat(broker.formattedOnStart()).isTrue();
            assertThat(Files.exists(dataDir.resolve("meta.properties"))).isTrue();
            assertThat(broker.bootstrapServers()).startsWith("127.0.0.1:");
            clusterId = broker.clusterId();
            // the extra listener is bound on loopback (never connect a Kafka client to it here: it
            // advertises the VM-side address)
            try (Socket s = new Socket()) {
                s.connect(
                        new InetSocketAddress("127.0.0.1", broker.externalPort().orElseThrow()), 5000);
            }
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t1", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(broker.bootstrapServers()))) {
                p.send(new ProducerRecord<>("t1", "k1", "v1")).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>("t1", "k2", "v2")).get(30, TimeUnit.SECONDS);
            }
            assertThat(readAll(broker.bootstrapServers(), "t1")).containsExactly("k1=v1", "k2=v2");
        }

        try (EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            System.out.println("restart: " + broker.startupDuration().toMillis() + " ms");
            assertThat(broker.formattedOnStart()).isFalse();
            assertThat(broker.clusterId()).isEqualTo(clusterId);
            assertThat(readAll(broker.bootstrapServers(), "t1")).containsExactly("k1=v1", "k2=v2");
            try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(broker.bootstrapServers()))) {
                p.send(new ProducerRecord<>("t1", "k3", "v3")).get(30, TimeUnit.SECONDS);
            }
            assertThat(readAll(broker.bootstrapServers(), "t1")).containsExactly("k1=v1", "k2=v2", "k3=v3");
        }
    }

    @Test
    void aSecondBrokerOnTheSameDataDirFailsFastAndLeavesTheFirstIntact() throws Exception {
        Path dataDir = tmp.resolve("shared");
        try (EmbeddedKafkaBroker first =
                EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            assertThatThrownBy(
                            () -> EmbeddedKafkaBroker.builder().dataDir(dataDir).start())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use by another broker");
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, first.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t2", 1, (short) 1)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            long t0 = System.nanoTime();
            first.close(); // explicit: timed here (close is idempotent)
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(20_000);
        }
        // and the directory is usable again once the first broker is closed
        try (EmbeddedKafkaBroker again =
                EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
            assertThat(again.formattedOnStart()).isFalse();
        }
    }

    @Test
    void tempDataDirIsDeletedOnClose() {
        Path dir;
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().start()) {
            dir = broker.dataDir();
            assertThat(Files.isDirectory(dir)).isTrue();
        }
        assertThat(Files.exists(dir)).isFalse();
    }

    private static Properties producerProps(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    private static List<String> readAll(String bootstrap, String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (consumer.position(tp, Duration.ofSeconds(30)) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(r.key() + "=" + r.value());
                }
            }
        }
        return out;
    }
}
