package io.videolb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.videolb.health.inventory.DrainHandover;
import io.videolb.health.schedule.InventoryPoller;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Maintenance;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The drain handover's counters (decision 109): present at 0 from the start, counted by result, dropped summed. */
class HandoverCountersTest {
    static final Ipv4Address A = Ipv4Address.parse("192.0.2.11");

    static double handovers(SimpleMeterRegistry r, String result) {
        return r.get("videolb.health.drain.handover")
                .tag("result", result)
                .counter()
                .count();
    }

    static double dropped(SimpleMeterRegistry r) {
        return r.get("videolb.health.drain.handover.subscribers.dropped")
                .counter()
                .count();
    }

    @Test
    void registeredAtZeroThenCountedByResult() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        HandoverCounters c = new HandoverCounters(r);
        for (String result : List.of("ok", "failed", "late"))
            assertThat(handovers(r, result)).isZero();
        assertThat(dropped(r)).isZero();

        c.finished(new DrainHandover.Outcome(A, 1_000, 1_000, 12, 2, 5, List.of()));
        c.finished(
                new DrainHandover.Outcome(A, 2_000, 2_000, 800, 2, 1, List.of("live/cam8: no answer within 800 ms")));
        c.finished(new DrainHandover.Outcome(A, 3_000, 3_000, 0, 0, 0, List.of("no stream inventory of 192.0.2.11")));
        c.late(A, 4_000);
        assertThat(handovers(r, "ok")).isEqualTo(1);
        assertThat(handovers(r, "failed")).isEqualTo(2);
        assertThat(handovers(r, "late")).isEqualTo(1);
        assertThat(dropped(r))
                .as("the drops that went through, failed handovers' too")
                .isEqualTo(6);
    }

    @Test
    void aDeadlineLongPastWhenFirstSeenIsCountedLateAndNothingIsDropped() {
        Vertx vertx = Vertx.vertx();
        try {
            SimpleMeterRegistry r = new SimpleMeterRegistry();
            long now = 10_000_000;
            DrainHandover h = new DrainHandover(
                    vertx,
                    (host, port, path, app, name, timeoutMs) -> Future.failedFuture("no drop expected"),
                    500,
                    () -> now,
                    a -> null,
                    new HandoverCounters(r));
            long deadline = now - DrainHandover.LATE_GRACE_MS - 1;
            h.update(
                    Map.of(A, new Maintenance(A, deadline - 60_000, deadline, "ops")),
                    Map.of(A, new InventoryPoller.StatsEndpoint("127.0.0.1", 8080, "/control")));
            // seen again (a new desired generation): counted once
            h.update(
                    Map.of(A, new Maintenance(A, deadline - 60_000, deadline, "ops")),
                    Map.of(A, new InventoryPoller.StatsEndpoint("127.0.0.1", 8080, "/control")));
            assertThat(handovers(r, "late")).isEqualTo(1);
            assertThat(h.pending()).isZero();
            assertThat(h.outcomes()).isEmpty();
            assertThat(handovers(r, "ok") + handovers(r, "failed")).isZero();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }
}
