package io.videolb.health.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A checker late for a sustained time reports itself degraded; one late sample (a GC pause) does not. */
class LagWatchTest {
    final LagWatch w = new LagWatch(250, 5_000);

    @Test
    void oneLateSampleIsNotEnough() {
        assertThat(w.observe(2_000, 0)).isFalse();
        assertThat(w.observe(0, 100)).isFalse();
        assertThat(w.observe(3_000, 6_000)).isFalse();
        assertThat(w.degraded()).isFalse();
    }

    @Test
    void lateInEverySampleForTheSustainTimeIsDegradedAndOnTimeAsLongRecovers() {
        long t = 0;
        for (; t < 5_000; t += 100)
            assertThat(w.observe(400, t)).as("at %d ms", t).isFalse();
        assertThat(w.observe(900, t)).as("5 s late in every sample").isTrue();
        assertThat(w.degraded()).isTrue();
        assertThat(w.worstMs()).isEqualTo(900);

        t += 100;
        long start = t;
        for (; t < start + 5_000; t += 100) assertThat(w.observe(10, t)).isFalse();
        assertThat(w.observe(10, t)).as("5 s on time").isTrue();
        assertThat(w.degraded()).isFalse();
    }

    @Test
    void aSampleOnTimeBreaksTheRun() {
        long t = 0;
        for (; t < 4_900; t += 100) w.observe(400, t);
        w.observe(100, t); // on time once
        t += 100;
        for (long end = t + 4_900; t < end; t += 100)
            assertThat(w.observe(400, t)).isFalse();
        assertThat(w.degraded()).isFalse();
    }
}
