package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteAvailabilityIT {

    @Test
    void aHealthyBrokerTakesWritesAndAnUnreachableOneIsRefusedWithAReason() throws Exception {
        Topics topics = TestBroker.ensuredTopics();
        try (WriteAvailability w = WriteAvailability.start(
                TestBroker.settings("write-check"),
                List.of(topics.desired(), topics.audit()),
                "tx-" + topics.prefix(),
                Duration.ofMillis(200),
                Duration.ofMillis(1500))) {
            assertThat(w.awaitFirstCheck(Duration.ofSeconds(20))).isTrue();
            assertThat(w.refusal()).isEmpty();
        }
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        try (WriteAvailability w = WriteAvailability.start(
                KafkaSettings.of("127.0.0.1:" + closedPort, "write-check-none"),
                List.of("x.desired"),
                null,
                Duration.ofMillis(200),
                Duration.ofMillis(1000))) {
            long t0 = System.nanoTime();
            assertThat(w.refusal()).isPresent(); // before any check: not known to be writable
            assertThat(w.awaitFirstCheck(Duration.ofSeconds(10))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            assertThat(w.refusal()).hasValueSatisfying(r -> assertThat(r).contains("unreachable"));
        }
    }
}
