package io.videolb.kafka;

import io.videolb.events.Topics;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** One embedded broker for all ITs of this module (test-support depends on this module, so it cannot be used). */
final class TestBroker {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static volatile EmbeddedKafkaBroker broker;

    private TestBroker() {}

    static synchronized String bootstrap() {
        if (broker == null) {
            broker = EmbeddedKafkaBroker.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "test-broker-stop"));
        }
        return broker.bootstrapServers();
    }

    static Topics uniqueTopics() {
        return new Topics(
                "t" + SEQ.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    static KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrap(), clientId + "-" + SEQ.incrementAndGet());
    }

    static Topics ensuredTopics() {
        Topics t = uniqueTopics();
        TopicAdmin.ensure(bootstrap(), t, TopicReplication.SINGLE);
        return t;
    }
}
