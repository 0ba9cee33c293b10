package io.videolb.health.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.videolb.events.CheckerStatus;
import io.videolb.health.testing.SchedulerHarness;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The checker's heartbeat (issue 12): its status is republished every heartbeat, degraded or not, with the
 * partitions it probes, with rising sequences; a change of partitions goes out at once; a clean stop
 * tombstones the status (and no heartbeat follows it).
 */
class HeartbeatTest {
    final Vertx vertx = Vertx.vertx();

    @AfterEach
    void close() {
        vertx.close().await();
    }

    static void await(java.util.function.BooleanSupplier ok, long ms, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        while (!ok.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) throw new AssertionError(what + " within " + ms + " ms");
            Thread.sleep(10);
        }
    }

    @Test
    void theStatusIsRepublishedEveryHeartbeatWithThePartitionsAndTombstonedOnAStop() throws Exception {
        SchedulerHarness h = new SchedulerHarness(vertx, null);
        h.scheduler.run(s -> s.setPartitions(Set.of(2, 0), 3));
        h.scheduler.run(s -> s.startHeartbeat(100));
        await(() -> h.checkers.size() >= 5, 5_000, "5 heartbeats");
        List<CheckerStatus> beats = List.copyOf(h.checkers);
        for (CheckerStatus c : beats) {
            assertThat(c.checkerId()).isEqualTo("test-checker");
            assertThat(c.degraded()).isFalse();
            assertThat(c.partitions()).containsExactly(0, 2);
            assertThat(c.partitionCount()).isEqualTo(3);
        }
        for (int i = 1; i < beats.size(); i++) {
            assertThat(beats.get(i).sequence()).isGreaterThan(beats.get(i - 1).sequence());
            assertThat(beats.get(i).observedAtMs())
                    .isGreaterThanOrEqualTo(beats.get(i - 1).observedAtMs());
        }
        long span = beats.get(beats.size() - 1).observedAtMs() - beats.get(0).observedAtMs();
        assertThat(span).as("%d beats at 100 ms", beats.size()).isGreaterThanOrEqualTo(100L * (beats.size() - 2));

        int before = h.checkers.size();
        h.scheduler.run(s -> s.setPartitions(Set.of(1), 3));
        await(
                () -> h.checkers.stream()
                        .skip(before)
                        .anyMatch(c -> c.partitions().equals(List.of(1))),
                2_000,
                "a heartbeat with the new partitions");

        h.close();
        assertThat(h.gone).containsExactly("test-checker");
        int after = h.checkers.size();
        Thread.sleep(300);
        assertThat(h.checkers).as("no heartbeat after the stop").hasSize(after);
    }

    @Test
    void withoutAHeartbeatAStopLeavesNoTombstone() throws Exception {
        SchedulerHarness h = new SchedulerHarness(vertx, null);
        Promise<Void> ran = Promise.promise();
        h.scheduler.run(s -> ran.complete());
        ran.future().await();
        h.close();
        assertThat(h.gone)
                .as("a scheduler that never announced itself has nothing to delete")
                .isEmpty();
    }
}
