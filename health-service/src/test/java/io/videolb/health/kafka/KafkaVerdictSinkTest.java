package io.videolb.health.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The sink never blocks its caller (the scheduler's event loop) on Kafka, and keeps per-server order. */
class KafkaVerdictSinkTest {
    static HealthVerdict verdict(String server, long seq, Verdict v) {
        return new HealthVerdict(
                Ipv4Address.parse(server), v, ProbeLevel.TCP, "probe", 500, "checker-a", seq, 1000L + seq);
    }

    @Test
    void aSendThatBlocksForMaxBlockMsNeitherBlocksTheCallerNorReordersAServersVerdicts() throws Exception {
        CountDownLatch brokerBack = new CountDownLatch(1);
        CountDownLatch sending = new CountDownLatch(1);
        AtomicBoolean sendWaitedInVain = new AtomicBoolean();
        List<String> sentValues = new CopyOnWriteArrayList<>();
        AtomicBoolean producerClosed = new AtomicBoolean();
        KafkaVerdictSink sink = new KafkaVerdictSink(
                (key, value) -> {
                    sending.countDown();
                    try {
                        // KafkaProducer.send() waiting for metadata until the test lets it go; an inline send would
                        // wait here
                        // for the whole 10 s, inside the caller's verdict() call, before the test could release it
                        if (!brokerBack.await(10, TimeUnit.SECONDS)) sendWaitedInVain.set(true);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    sentValues.add(
                            key + " " + Json.read(value, HealthVerdict.class).sequence());
                    return CompletableFuture.completedFuture(null);
                },
                () -> producerClosed.set(true),
                new SimpleMeterRegistry());

        sink.verdict(verdict("192.0.2.11", 1, Verdict.UP)); // taken by the publisher thread, which now blocks in send
        assertThat(sending.await(10, TimeUnit.SECONDS)).isTrue();
        sink.verdict(verdict("192.0.2.12", 1, Verdict.UP));
        sink.verdict(verdict("192.0.2.11", 2, Verdict.DOWN));
        sink.verdict(verdict("192.0.2.11", 3, Verdict.UP)); // replaces seq 2, still queued
        assertThat(sink.superseded.get()).isEqualTo(1);
        assertThat(sink.queuedCount()).isEqualTo(2);

        brokerBack.countDown();
        sink.close();
        assertThat(sentValues).containsExactly("192.0.2.11 1", "192.0.2.12 1", "192.0.2.11 3");
        assertThat(sink.sent.get()).isEqualTo(3);
        assertThat(producerClosed).isTrue();
        assertThat(sendWaitedInVain)
                .as("the broker came back while the sends were blocked, not after the caller gave up")
                .isFalse();
    }

    @Test
    void aFailedSendIsCountedAndTheNextRecordsStillGo() throws Exception {
        List<String> keys = new CopyOnWriteArrayList<>();
        KafkaVerdictSink sink = new KafkaVerdictSink(
                (key, value) -> {
                    keys.add(key);
                    return key.startsWith("checker/")
                            ? CompletableFuture.failedFuture(new IllegalStateException("broker says no"))
                            : CompletableFuture.completedFuture(null);
                },
                () -> {},
                new SimpleMeterRegistry());
        sink.checker(new CheckerStatus("checker-a", false, "ok", 5, 1000));
        sink.verdict(verdict("192.0.2.11", 1, Verdict.UP));
        sink.close();
        assertThat(keys).containsExactly("checker/checker-a", "192.0.2.11");
        assertThat(sink.failed.get()).isEqualTo(1);
        assertThat(sink.sent.get()).isEqualTo(1);
    }

    @Test
    void aCleanStopSendsTheCheckersTombstoneLastBeforeTheProducerCloses() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        AtomicBoolean producerClosed = new AtomicBoolean();
        KafkaVerdictSink sink = new KafkaVerdictSink(
                (key, value) -> {
                    sent.add(key + "=" + (value == null ? "TOMBSTONE" : "status"));
                    return CompletableFuture.completedFuture(null);
                },
                () -> producerClosed.set(true),
                new SimpleMeterRegistry());
        sink.checker(new io.videolb.events.CheckerStatus("hs-a", true, "degraded", 7, 1000));
        sink.checkerGone("hs-a");
        sink.close();
        assertThat(sent).last().isEqualTo("checker/hs-a=TOMBSTONE");
        assertThat(producerClosed).isTrue();
    }
}
