package io.videolb.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.AgentStatus.HealthFreshness;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Freshness of the health topic in the agent's book (issue 12): past the bound without a refresh the health
 * is stale and the agent holds what it has (nothing failed, nothing restored); a partition without a live
 * checker is stale too; a dead checker's degraded status stops holding back the live checkers' DOWNs once
 * it is older than the bound, but never while the health is stale; fresh records resume normal work.
 * Time is a fake clock; every checker heartbeat and verdict is "observed" at the clock's time unless said.
 */
class HealthFreshnessTest {
    static final Ipv4Address RS1 = Ipv4Address.parse("198.51.100.1");
    static final Ipv4Address RS2 = Ipv4Address.parse("198.51.100.2");
    static final long BOUND = 10_000;

    final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    final HealthBook book = new HealthBook(BOUND, now::get);
    long seq = 100;

    HealthVerdict verdict(Ipv4Address server, Verdict v, String checker) {
        return new HealthVerdict(server, v, ProbeLevel.TCP, v.name(), 100, checker, ++seq, now.get());
    }

    boolean heartbeat(String id, boolean degraded, List<Integer> partitions, int count) {
        return book.accept(new CheckerStatus(
                id, degraded, degraded ? "known-good failed" : "", ++seq, now.get(), partitions, count));
    }

    void advance(long ms) {
        now.addAndGet(ms);
    }

    @Test
    void nothingReadYetIsNotStaleAndHoldsNothing() {
        HealthFreshness f = book.freshness();
        assertThat(f.stale()).isFalse();
        assertThat(f.newestRefreshAgeMs()).isEqualTo(-1);
        assertThat(f.staleAfterMs()).isEqualTo(BOUND);
    }

    @Test
    void pastTheBoundWithoutARefreshTheHealthIsStaleAndTheViewIsHeldAsItIs() {
        heartbeat("a", false, List.of(0), 1);
        book.accept(verdict(RS1, Verdict.DOWN, "a"));
        book.accept(verdict(RS2, Verdict.UP, "a"));
        HealthView before = book.view();

        advance(BOUND);
        assertThat(book.freshness().stale())
                .as("exactly at the bound: still fresh")
                .isFalse();
        advance(1);
        assertThat(book.tick()).as("staleness by itself changes nothing").isFalse();
        HealthFreshness f = book.freshness();
        assertThat(f.stale()).isTrue();
        assertThat(f.newestRefreshAgeMs()).isEqualTo(BOUND + 1);
        assertThat(f.reason())
                .contains("no health checker has refreshed for 10001 ms")
                .contains("holding");
        assertThat(book.view())
                .as("neither failed everything nor restored everything")
                .isEqualTo(before);
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(book.view().down(RS2)).isFalse();

        advance(600_000);
        assertThat(book.tick()).isFalse();
        assertThat(book.view()).as("ten minutes later: still held").isEqualTo(before);
    }

    @Test
    void aFreshHeartbeatEndsTheStalenessAndRepublishedVerdictsChangeNothing() {
        heartbeat("a", false, List.of(0), 1);
        book.accept(verdict(RS1, Verdict.DOWN, "a"));
        HealthView before = book.view();
        advance(BOUND + 5_000);
        assertThat(book.freshness().stale()).isTrue();

        assertThat(heartbeat("b", false, List.of(0), 1))
                .as("a heartbeat is no change of the view")
                .isFalse();
        assertThat(book.freshness().stale()).isFalse();
        assertThat(book.freshness().reason()).isEmpty();
        assertThat(book.accept(verdict(RS1, Verdict.DOWN, "b")))
                .as("the restarted checker republishes the same verdict: no flap")
                .isFalse();
        assertThat(book.view()).isEqualTo(before);
        assertThat(book.view().servers().get(RS1).sinceMs())
                .as("down since the first DOWN, not since the restart")
                .isEqualTo(before.servers().get(RS1).sinceMs());
    }

    @Test
    void aPartitionWithoutALiveCheckerIsStaleUntilAnotherCheckerClaimsIt() {
        heartbeat("a", false, List.of(0, 1), 3);
        heartbeat("b", false, List.of(2), 3);
        assertThat(book.freshness().stale()).isFalse();

        for (int i = 0; i < 6; i++) { // a goes on beating every 2 s, b is dead
            advance(2_000);
            heartbeat("a", false, List.of(0, 1), 3);
        }
        HealthFreshness f = book.freshness();
        assertThat(f.stale()).isTrue();
        assertThat(f.reason()).contains("partition(s) [2] of 3").contains("live: a");
        assertThat(f.newestRefreshAgeMs()).isZero();

        heartbeat("a", false, List.of(0, 1, 2), 3); // the group gave a the dead checker's partition
        assertThat(book.freshness().stale()).isFalse();
    }

    @Test
    void aDeadDegradedCheckerStopsHoldingBackTheLiveCheckersDownsAfterTheBound() {
        heartbeat("a", true, List.of(0), 2); // a is degraded, then dies without a tombstone
        heartbeat("b", false, List.of(1), 2);
        assertThat(book.accept(verdict(RS1, Verdict.DOWN, "b"))).as("held back").isFalse();
        assertThat(book.view().down(RS1)).isFalse();

        for (int i = 0; i < 5; i++) { // b beats and takes a's partition; a stays silent
            advance(2_000);
            heartbeat("b", false, List.of(0, 1), 2);
            assertThat(book.tick()).isFalse();
        }
        assertThat(book.degraded())
                .as("10 s: a's status is exactly at the bound")
                .isTrue();
        advance(1_000); // b's last heartbeat is 1 s old: the health is fresh
        assertThat(book.tick())
                .as("a's degraded status expired: the held-back DOWN takes effect")
                .isTrue();
        assertThat(book.degraded()).isFalse();
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(book.view().checkerDegraded()).isFalse();
    }

    @Test
    void aDegradedStatusNeverExpiresWhileTheHealthIsStale() {
        heartbeat("a", true, List.of(0), 1);
        book.accept(verdict(RS1, Verdict.DOWN, "a"));
        advance(BOUND * 10);
        assertThat(book.tick()).isFalse();
        assertThat(book.freshness().stale()).isTrue();
        assertThat(book.degraded()).as("everything is old: nothing is released").isTrue();
        assertThat(book.view().down(RS1)).isFalse();
    }

    @Test
    void aDegradedStatusReadAtStartFromOldRecordsHoldsWhileNothingIsFresh() {
        long old = now.get() - 3_600_000; // the agent restarts while every checker is dead
        book.accept(new CheckerStatus("a", true, "known-good failed", 1, old, List.of(0), 1));
        book.accept(new HealthVerdict(RS1, Verdict.DOWN, ProbeLevel.TCP, "refused", 1, "a", 2, old));
        assertThat(book.freshness().stale())
                .as("records are as old as their observation")
                .isTrue();
        assertThat(book.degraded()).isTrue();
        assertThat(book.view().down(RS1)).as("no mass change at start").isFalse();
    }

    @Test
    void aCheckerWhoseClockIsAheadIsFreshOnlyFromWhenItsRecordArrived() {
        book.accept(new CheckerStatus("a", false, "", 1, now.get() + 3_600_000, List.of(0), 1));
        advance(BOUND + 1);
        assertThat(book.freshness().stale()).isTrue();
    }

    @Test
    void aCleanStopTombstoneForgetsTheCheckerAtOnce() {
        heartbeat("a", true, List.of(0), 1);
        heartbeat("b", false, List.of(0), 1);
        book.accept(verdict(RS1, Verdict.DOWN, "b"));
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.accept(new HealthRecord.CheckerTombstone("a"))).isTrue();
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(book.freshness().stale()).isFalse();
    }

    @Test
    void aLiveDegradedCheckerKeepsHoldingBackDowns() {
        for (int i = 0; i < 10; i++) {
            heartbeat("a", true, List.of(0), 1);
            book.accept(verdict(RS1, Verdict.DOWN, "b"));
            advance(2_000);
            assertThat(book.tick()).isFalse();
        }
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.degraded()).isTrue();
    }
}
