package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoalescingSenderTest {

    @Test
    void offerNeverWaitsForABlockedSendAndOnlyTheNewestValuePerKeyIsSent() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstSendEntered = new CountDownLatch(1);
        List<String> sent = new CopyOnWriteArrayList<>();
        CoalescingSender s = new CoalescingSender(
                "test-sender",
                (k, v) -> {
                    firstSendEntered.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS); // a send() blocked in max.block.ms
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    sent.add(k + "=" + v);
                    return CompletableFuture.completedFuture(null);
                },
                () -> {});
        s.offer("d1", "run1");
        assertThat(firstSendEntered.await(5, TimeUnit.SECONDS)).isTrue();
        long t0 = System.nanoTime();
        for (int i = 2; i <= 1000; i++) s.offer("d1", "run" + i);
        s.offer("d2", "x");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        assertThat(s.queuedCount()).isEqualTo(2); // one per key, however many were offered
        assertThat(s.superseded.get()).isEqualTo(998);
        release.countDown();
        s.close();
        assertThat(sent).containsExactly("d1=run1", "d1=run1000", "d2=x");
        assertThat(s.sent.get()).isEqualTo(3);
    }

    @Test
    void withNoBrokerListeningOffersReturnAtOnceWhileTheRealProducerWaitsForMetadata() throws Exception {
        int closedPort;
        try (ServerSocket ss = new ServerSocket(0)) {
            closedPort = ss.getLocalPort();
        }
        EventPublisher publisher = new EventPublisher(KafkaSettings.of("127.0.0.1:" + closedPort, "no-broker"));
        CoalescingSender s = CoalescingSender.to("status-publisher", publisher, "nowhere.agent-status");
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) s.offer("director-1", "{\"run\":" + i + "}");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
            Thread.sleep(300);
            assertThat(s.queuedCount()).isLessThanOrEqualTo(1);
            assertThat(s.sent.get()).isZero();
        } finally {
            long c0 = System.nanoTime();
            s.close(); // bounded: hand-over wait, then the producer's close
            assertThat(Duration.ofNanos(System.nanoTime() - c0)).isLessThan(Duration.ofSeconds(60));
        }
    }
}
