package io.videolb.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.plan.Plan;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The loop's timing on a manual clock: what a run costs (bursts collapse), when it is retried (backoff),
 * when it polls (drain, hold-down) and when it resyncs. Runs take no time here, so "after the start of a
 * run" and "after its end" are the same moment.
 */
class ReconcileLoopTest {
    static final Duration MIN_INTERVAL = Duration.ofMillis(200);
    static final Duration RESYNC = Duration.ofSeconds(30);
    static final Duration DRAIN_POLL = Duration.ofSeconds(2);

    final ManualScheduler scheduler = new ManualScheduler();
    final long origin = scheduler.nanoTime();
    /** When each run started, from the origin. */
    final List<Duration> runsAt = new ArrayList<>();
    /** Scripted outcomes of the next runs: "ok", "fail", "crash", "not-ready"; "ok" once empty. */
    final Deque<String> outcomes = new ArrayDeque<>();

    final List<RunResult> published = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    Runnable duringNextRun = () -> {};
    boolean needsPolling;

    final ReconcileLoop loop = new ReconcileLoop(
            this::work,
            published::add,
            () -> needsPolling,
            () -> events.add("recheck"),
            MIN_INTERVAL,
            RESYNC,
            DRAIN_POLL,
            scheduler);

    Optional<RunResult> work() {
        events.add("run");
        runsAt.add(sinceOrigin());
        Runnable during = duringNextRun;
        duringNextRun = () -> {};
        during.run();
        String outcome = outcomes.isEmpty() ? "ok" : outcomes.poll();
        return switch (outcome) {
            case "ok" -> Optional.of(result(List.of()));
            case "fail" -> Optional.of(result(List.of("injected failure")));
            case "partial" ->
                Optional.of(new RunResult(
                        1,
                        new Plan(List.of()),
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of("fwmark 7: refused"),
                        null,
                        0,
                        List.of("fwmark 7: refused")));
            case "crash" -> throw new IllegalStateException("injected crash");
            case "not-ready" -> Optional.empty();
            default -> throw new IllegalArgumentException(outcome);
        };
    }

    static RunResult result(List<String> errors) {
        return new RunResult(1, new Plan(List.of()), List.of(), List.of(), List.of(), errors, null, 0);
    }

    Duration sinceOrigin() {
        return Duration.ofNanos(scheduler.nanoTime() - origin);
    }

    static List<Duration> ms(long... values) {
        List<Duration> out = new ArrayList<>();
        for (long v : values) out.add(Duration.ofMillis(v));
        return out;
    }

    static List<Duration> gaps(List<Duration> times) {
        List<Duration> out = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) out.add(times.get(i).minus(times.get(i - 1)));
        return out;
    }

    void fails(int n) {
        for (int i = 0; i < n; i++) outcomes.add("fail");
    }

    @Test
    void aBurstOfTriggersBeforeAnyRunCostsOneRunStartedAtOnce() {
        for (int i = 0; i < 50; i++) loop.markDirty();
        scheduler.runDue();
        assertThat(runsAt).containsExactly(Duration.ZERO);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).as("nothing asked since").hasSize(1);
        assertThat(published).hasSize(1);
    }

    @Test
    void triggersDuringARunCostExactlyOneFollowUpRunTheMinimumIntervalAfterItsStart() {
        duringNextRun = () -> {
            for (int i = 0; i < 20; i++) loop.markDirty();
        };
        loop.markDirty();
        scheduler.runDue();
        assertThat(runsAt).containsExactly(Duration.ZERO);
        assertThat(scheduler.queued()).as("one follow-up queued").containsExactly(MIN_INTERVAL);
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).containsExactlyElementsOf(ms(0, 200));
    }

    @Test
    void triggersRightAfterARunWaitForTheMinimumIntervalAndCollapseIntoOneRun() {
        loop.markDirty();
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(50));
        for (int i = 0; i < 5; i++) loop.markDirty();
        scheduler.advance(Duration.ofMillis(100));
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).containsExactlyElementsOf(ms(0, 200));
        loop.markDirty();
        scheduler.runDue();
        assertThat(runsAt)
                .as("long after the last run: at once")
                .hasSize(3)
                .last()
                .isEqualTo(Duration.ofMillis(10_150));
    }

    @Test
    void failedRunsAreRetriedAfterABackoffThatDoublesUpTo30sAndStopsOnSuccess() {
        fails(10);
        loop.markDirty();
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(runsAt).as("10 failures, then the success").hasSize(11);
        assertThat(gaps(runsAt))
                .containsExactlyElementsOf(ms(400, 800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000, 30_000));
        assertThat(published).hasSize(11);
        assertThat(published.get(10).ok()).isTrue();
    }

    @Test
    void aSuccessResetsTheBackoff() {
        fails(3);
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(gaps(runsAt)).containsExactlyElementsOf(ms(400, 800, 1_600));

        fails(2);
        scheduler.advance(Duration.ofSeconds(5));
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(10));
        List<Duration> after = runsAt.subList(4, runsAt.size());
        assertThat(after).as("a new series").hasSize(3);
        assertThat(gaps(after)).as("starts again at minInterval x 2").containsExactlyElementsOf(ms(400, 800));
    }

    @Test
    void triggersWhileRunsFailDoNotShortenTheBackoff() {
        fails(2);
        duringNextRun = loop::markDirty; // an event arrives while the first run fails
        loop.markDirty();
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(100));
        loop.markDirty(); // and one during the backoff
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).containsExactlyElementsOf(ms(0, 400, 1_200));
    }

    @Test
    void aCrashedRunIsRetriedLikeAFailedOneAndPublishesNothing() {
        outcomes.add("crash");
        outcomes.add("crash");
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).containsExactlyElementsOf(ms(0, 400, 1_200));
        assertThat(published).as("only the run that returned").hasSize(1);
    }

    @Test
    void aRunThatIsNotReadyIsNotRetriedUntilSomethingAsksAgain() {
        outcomes.add("not-ready");
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(10));
        assertThat(runsAt).hasSize(1);
        assertThat(published).isEmpty();
        loop.markDirty(); // the readers ask once they have read their topics
        scheduler.runDue();
        assertThat(published).hasSize(1);
    }

    @Test
    void whileSomethingChangesWithTimeTheLoopRunsEveryDrainPollAndStopsAfter() {
        needsPolling = true;
        loop.markDirty();
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(4_500));
        assertThat(runsAt).containsExactlyElementsOf(ms(0, 2_000, 4_000));
        needsPolling = false; // the drain ended in the next run
        scheduler.advance(Duration.ofSeconds(25));
        assertThat(runsAt)
                .as("the run at 6 s sees the drain ended; no more polls")
                .containsExactlyElementsOf(ms(0, 2_000, 4_000, 6_000));
    }

    @Test
    void pollingDoesNotReplaceTheBackoffOfAFailedRun() {
        needsPolling = true;
        fails(1);
        loop.markDirty();
        scheduler.advance(Duration.ofMillis(2_500));
        assertThat(runsAt).as("retry after 400 ms, then polls").containsExactlyElementsOf(ms(0, 400, 2_400));
    }

    @Test
    void theResyncRunsEveryResyncIntervalWithoutEventsAndAsksForTheSetupRecheckBeforeItsRun() {
        loop.start();
        scheduler.advance(Duration.ofSeconds(29));
        assertThat(runsAt).isEmpty();
        scheduler.advance(Duration.ofSeconds(66));
        assertThat(runsAt).containsExactlyElementsOf(ms(30_000, 60_000, 90_000));
        assertThat(events).containsExactly("recheck", "run", "recheck", "run", "recheck", "run");
    }

    @Test
    void aResyncWhileARunIsQueuedAddsNoRunButStillAsksForTheRecheck() {
        loop.start();
        scheduler.advance(Duration.ofMillis(29_950));
        duringNextRun = loop::markDirty; // a follow-up is queued for 30.15 s
        loop.markDirty();
        scheduler.advance(Duration.ofSeconds(1)); // the resync comes at 30.0 s
        assertThat(runsAt).containsExactlyElementsOf(ms(29_950, 30_150));
        assertThat(events).containsExactly("run", "recheck", "run");
    }

    @Test
    void closeDropsWhatIsQueuedAndIgnoresLaterTriggers() {
        loop.start();
        duringNextRun = loop::markDirty;
        loop.markDirty();
        scheduler.runDue();
        loop.close();
        loop.markDirty();
        scheduler.advance(Duration.ofMinutes(5));
        assertThat(runsAt).hasSize(1);
        assertThat(scheduler.closed()).isTrue();
    }

    @Test
    void aPartialRunIsRetriedWithBackoffButDoesNotHoldBackTheRunAnEventAsksFor() {
        for (int i = 0; i < 5; i++) outcomes.add("partial");
        loop.markDirty();
        scheduler.runDue(); // partial at 0: a retry is due at 400 ms (backoff 200 x 2)
        scheduler.advance(Duration.ofMillis(250));
        loop.markDirty(); // a health event (another pool's failover) at 250 ms
        scheduler.advance(Duration.ZERO);
        assertThat(runsAt)
                .as("the event runs at once (the minimum interval has passed), not after the backoff")
                .containsExactlyElementsOf(ms(0, 250));
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(runsAt.size())
                .as("the refused pool is still retried by itself")
                .isGreaterThan(2);
        assertThat(gaps(runsAt).subList(1, gaps(runsAt).size()))
                .as("retries back off")
                .allMatch(g -> g.compareTo(MIN_INTERVAL) >= 0);
    }
}
