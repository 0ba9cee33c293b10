package io.videolb.health.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.ProbeLevel;
import io.videolb.health.probe.ProbeResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Which failed results say more about a starved checker than about the server. */
class LateProbeTest {
    static final Duration TIMEOUT = Duration.ofMillis(1500);

    static ProbeResult fail(long ms) {
        return ProbeResult.fail(ProbeLevel.RTMP, "no RTMP handshake reply within 1500 ms", ms * 1000);
    }

    @Test
    void aFailureAtItsTimeoutCounts() {
        assertThat(ProbeScheduler.lateBy(fail(1500), TIMEOUT)).isZero();
        assertThat(ProbeScheduler.lateBy(fail(1649), TIMEOUT))
                .as("within the margin of 150 ms")
                .isZero();
        assertThat(ProbeScheduler.lateBy(fail(3), TIMEOUT))
                .as("connection refused at once")
                .isZero();
    }

    @Test
    void aFailureFarPastItsTimeoutIsTheCheckersLateness() {
        // the VM run that marked healthy servers DOWN: 1500 ms timeouts completing at 1.71 s and 2.03 s
        assertThat(ProbeScheduler.lateBy(fail(1710), TIMEOUT)).isEqualTo(210);
        assertThat(ProbeScheduler.lateBy(fail(2027), TIMEOUT)).isEqualTo(527);
        assertThat(ProbeScheduler.lateBy(fail(3180), TIMEOUT)).isEqualTo(1680);
    }

    @Test
    void anAnswerCountsHoweverLateItWasRead() {
        assertThat(ProbeScheduler.lateBy(ProbeResult.ok(ProbeLevel.HLS, 9_000_000), TIMEOUT))
                .isZero();
    }

    @Test
    void theMarginIsATenthOfTheTimeoutAndAtLeast100Ms() {
        assertThat(ProbeScheduler.lateMarginMs(250)).isEqualTo(100);
        assertThat(ProbeScheduler.lateMarginMs(1500)).isEqualTo(150);
        assertThat(ProbeScheduler.lateMarginMs(5000)).isEqualTo(500);
        assertThat(ProbeScheduler.lateBy(fail(5400), Duration.ofMillis(5000))).isZero();
        assertThat(ProbeScheduler.lateBy(fail(5600), Duration.ofMillis(5000))).isEqualTo(600);
    }
}
