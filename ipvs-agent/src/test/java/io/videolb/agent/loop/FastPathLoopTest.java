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
 * {@link ReconcileLoop#markUrgent()} on a manual clock: a verdict's fast path runs at once (no minimum interval),
 * the full run follows {@link ReconcileLoop#FOLLOW_UP} later; what the fast path does not take, a failed edit, or a
 * loop in backoff becomes an ordinary full run.
 */
class FastPathLoopTest {
    static final Duration MIN_INTERVAL = Duration.ofMillis(200);

    final ManualScheduler scheduler = new ManualScheduler();
    final long origin = scheduler.nanoTime();
    final List<String> events = new ArrayList<>();
    /** Scripted outcomes of the next fast attempts: "edit", "failed", "full"; "edit" once empty. */
    final Deque<String> fast = new ArrayDeque<>();
    /** Scripted outcomes of the next full runs: "ok", "fail"; "ok" once empty. */
    final Deque<String> full = new ArrayDeque<>();

    final ReconcileLoop loop = new ReconcileLoop(
            new ReconcileLoop.Work() {
                @Override
                public Optional<RunResult> runIfReady() {
                    events.add("full@" + at());
                    return Optional.of(result("fail".equals(full.poll()) ? List.of("refused") : List.of()));
                }

                @Override
                public Optional<RunResult> fastIfReady() {
                    String o = fast.isEmpty() ? "edit" : fast.poll();
                    events.add(o + "@" + at());
                    return switch (o) {
                        case "edit" -> Optional.of(result(List.of()));
                        case "failed" -> Optional.of(result(List.of("fwmark 1: refused")));
                        default -> Optional.empty();
                    };
                }
            },
            r -> {},
            () -> false,
            () -> {},
            MIN_INTERVAL,
            Duration.ofSeconds(30),
            Duration.ofSeconds(2),
            scheduler);

    static RunResult result(List<String> errors) {
        return new RunResult(1, new Plan(List.of()), List.of(), List.of(), List.of(), errors, null, 0);
    }

    long at() {
        return Duration.ofNanos(scheduler.nanoTime() - origin).toMillis();
    }

    @Test
    void aVerdictIsEditedAtOnceEvenRightAfterAFullRunAndTheFullRunFollowsASecondLater() {
        loop.markDirty();
        scheduler.runDue(); // a full run at 0: the next full one may not start before 200 ms
        loop.markUrgent();
        scheduler.runDue();
        assertThat(events).containsExactly("full@0", "edit@0");
        scheduler.advance(Duration.ofMillis(999));
        assertThat(events).hasSize(2);
        scheduler.advance(Duration.ofMillis(1));
        assertThat(events).containsExactly("full@0", "edit@0", "full@1000");
    }

    @Test
    void aBurstOfVerdictsIsEditedOneAttemptPerQueuedAskAndFollowedByOneFullRun() {
        loop.markUrgent();
        loop.markUrgent(); // queued behind the first: collapses
        scheduler.runDue();
        loop.markUrgent();
        scheduler.runDue();
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(events).containsExactly("edit@0", "edit@0", "full@1000");
    }

    @Test
    void aStreamOfEditsPushesTheFullRunBackUpToFiveSecondsNotOneFullRunPerMinimumInterval() {
        for (int t = 0; t < 8000; t += 100) {
            loop.markUrgent();
            scheduler.runDue();
            scheduler.advance(Duration.ofMillis(100));
        }
        scheduler.advance(Duration.ofSeconds(2));
        assertThat(events.stream().filter(e -> e.startsWith("full")))
                .as("at most 5 s after the first edit it covers, 1 s after the last one of the stream")
                .containsExactly("full@5000", "full@8900");
        assertThat(events.stream().filter(e -> e.startsWith("edit"))).hasSize(80);
    }

    @Test
    void whatTheFastPathDoesNotTakeOrAFailedEditBecomesAFullRun() {
        fast.add("full");
        loop.markUrgent();
        scheduler.runDue();
        assertThat(events).containsExactly("full@0", "full@0");

        fast.add("failed");
        scheduler.advance(Duration.ofMillis(50));
        loop.markUrgent();
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(150)); // the full run waits for the minimum interval after the last one
        assertThat(events).containsExactly("full@0", "full@0", "failed@50", "full@200");
    }

    @Test
    void whileFullRunsFailTheBackoffHoldsBackTheFastPathToo() {
        full.add("fail");
        loop.markDirty();
        scheduler.runDue(); // fails at 0: the next run waits 400 ms
        loop.markUrgent();
        scheduler.runDue();
        scheduler.advance(Duration.ofMillis(399));
        assertThat(events).containsExactly("full@0");
        scheduler.advance(Duration.ofMillis(1));
        assertThat(events).containsExactly("full@0", "full@400");
    }
}
