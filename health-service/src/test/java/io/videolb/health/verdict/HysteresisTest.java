package io.videolb.health.verdict;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Verdict;
import org.junit.jupiter.api.Test;

class HysteresisTest {
    /** Feeds probes every intervalMs for durationMs against a server toggled every toggleMs; returns committed transitions. */
    static int flap(Hysteresis h, long intervalMs, long toggleMs, long durationMs) {
        int transitions = 0;
        for (long t = 0; t < durationMs; t += intervalMs) {
            boolean ok = (t / toggleMs) % 2 == 0;
            Verdict v = h.observe(ok, t);
            if (v != null) {
                h.commit(v, t);
                transitions++;
            }
        }
        return transitions;
    }

    @Test
    void shouldGoDownOnlyAfterFallConsecutiveFailures() {
        Hysteresis h = new Hysteresis(2, 3, 0);
        h.seed(Verdict.UP, 0);
        assertThat(h.observe(false, 1)).isNull();
        assertThat(h.observe(false, 2)).isNull();
        assertThat(h.observe(true, 3)).isNull();
        assertThat(h.observe(false, 4)).isNull();
        assertThat(h.observe(false, 5)).isNull();
        assertThat(h.observe(false, 6)).isEqualTo(Verdict.DOWN);
    }

    @Test
    void shouldComeUpOnlyAfterRiseSuccessesAndTheMinimumDwell() {
        Hysteresis h = new Hysteresis(2, 1, 10_000);
        h.seed(Verdict.DOWN, 0);
        assertThat(h.observe(true, 1_000)).isNull();
        assertThat(h.observe(true, 2_000)).as("dwell not over").isNull();
        assertThat(h.observe(true, 10_000)).isEqualTo(Verdict.UP);
    }

    @Test
    void shouldProposeAnUncommittedTransitionAgainOnTheNextProbe() {
        Hysteresis h = new Hysteresis(1, 2, 0);
        h.seed(Verdict.UP, 0);
        h.observe(false, 1);
        assertThat(h.observe(false, 2)).isEqualTo(Verdict.DOWN);
        assertThat(h.observe(false, 3)).isEqualTo(Verdict.DOWN);
        h.commit(Verdict.DOWN, 3);
        assertThat(h.observe(false, 4)).isNull();
        assertThat(h.state()).isEqualTo(Verdict.DOWN);
    }

    @Test
    void shouldDecideAnUnknownServerByRiseOrFall() {
        Hysteresis h = new Hysteresis(3, 2, 60_000);
        assertThat(h.observe(false, 0)).isNull();
        assertThat(h.observe(false, 1)).as("no dwell from unknown").isEqualTo(Verdict.DOWN);
    }

    @Test
    void shouldBoundTransitionsOfAServerToggledEverySecondForAMinuteByTheDwell() {
        // probes every 250 ms, server toggles every 1 s for 60 s: 4 results per phase
        int rise = 2, fall = 2;
        long dwell = 10_000;
        int transitions = flap(new Hysteresis(rise, fall, dwell), 250, 1_000, 60_000);
        // at most one transition per dwell period, plus the first decision from unknown
        assertThat(transitions).isLessThanOrEqualTo((int) (60_000 / dwell) + 1).isGreaterThan(0);
        // the same flapping without a dwell would transition in nearly every phase: the bound is doing the work
        assertThat(flap(new Hysteresis(rise, fall, 0), 250, 1_000, 60_000)).isGreaterThan(50);
    }

    @Test
    void shouldNeverTransitionWhenPhasesAreShorterThanRiseAndFall() {
        // 2 probes per phase, rise = fall = 3: a flapping server keeps its first verdict... and never gets one
        assertThat(flap(new Hysteresis(3, 3, 0), 500, 1_000, 60_000)).isZero();
    }
}
