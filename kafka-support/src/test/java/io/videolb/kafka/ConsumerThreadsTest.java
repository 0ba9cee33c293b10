package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ConsumerThreadsTest {

    @Test
    void stopOnceWakesThePollingThreadJoinsItAndOnlyTheFirstCallStops() throws Exception {
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        TopicPartition tp = new TopicPartition("t", 0);
        consumer.assign(List.of(tp));
        consumer.updateBeginningOffsets(Map.of(tp, 0L));
        AtomicBoolean closed = new AtomicBoolean();
        AtomicReference<Throwable> ended = new AtomicReference<>();
        CountDownLatch polling = new CountDownLatch(1);
        Thread thread = new Thread(
                () -> {
                    try {
                        for (int i = 0; i < 3_000; i++) { // bounded: at most ~30 s; only wakeup() ends it sooner
                            consumer.poll(Duration.ofMillis(10)); // the mock returns at once
                            polling.countDown();
                            Thread.sleep(10);
                        }
                    } catch (WakeupException e) {
                        ended.set(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        ConsumerThreads.closeQuietly(
                                consumer, LoggerFactory.getLogger(ConsumerThreadsTest.class), "closing test consumer");
                    }
                },
                "test-poller");
        thread.setDaemon(true);
        thread.start();
        assertThat(polling.await(10, TimeUnit.SECONDS)).isTrue();

        boolean first = ConsumerThreads.stopOnce(
                closed,
                consumer,
                thread,
                Duration.ofSeconds(10),
                LoggerFactory.getLogger(ConsumerThreadsTest.class),
                "test");

        assertThat(first).isTrue();
        assertThat(ended.get()).as("woken out of poll").isInstanceOf(WakeupException.class);
        assertThat(closed).isTrue();
        assertThat(thread.isAlive()).as("joined").isFalse();
        assertThat(consumer.closed()).as("closed by its own thread").isTrue();
        assertThat(ConsumerThreads.stopOnce(
                        closed,
                        consumer,
                        thread,
                        Duration.ofSeconds(10),
                        LoggerFactory.getLogger(ConsumerThreadsTest.class),
                        "test"))
                .as("second call")
                .isFalse();
    }

    @Test
    void stopOnceCalledOnThePollingThreadItselfDoesNotJoin() throws Exception {
        MockConsumer<String, String> consumer = new MockConsumer<>("earliest");
        AtomicBoolean closed = new AtomicBoolean();
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread[] self = new Thread[1];
        self[0] = new Thread(
                () -> result.set(ConsumerThreads.stopOnce(
                        closed,
                        consumer,
                        self[0],
                        Duration.ofSeconds(30),
                        LoggerFactory.getLogger(ConsumerThreadsTest.class),
                        "test")),
                "test-self");
        long t0 = System.nanoTime();
        self[0].start();
        self[0].join(10_000);
        assertThat(self[0].isAlive()).isFalse();
        assertThat(result.get()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }
}
