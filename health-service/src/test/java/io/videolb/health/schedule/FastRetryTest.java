package io.videolb.health.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Verdict;
import org.junit.jupiter.api.Test;

/** When a failed probe is followed at once by another (issue 11's fast path), and when it never is. */
class FastRetryTest {
    @Test
    void aCountedFailureOfAServerNotYetDownIsRetriedAfterTheDelayUntilFall() {
        assertThat(FastRetry.delayMs(true, Verdict.UP, 1, 3, 200)).isEqualTo(200);
        assertThat(FastRetry.delayMs(true, Verdict.UP, 2, 3, 200)).isEqualTo(200);
        assertThat(FastRetry.delayMs(true, null, 1, 3, 200)).as("unknown yet").isEqualTo(200);
        assertThat(FastRetry.delayMs(true, Verdict.UP, 3, 3, 200))
                .as("fall reached: the verdict is proposed now")
                .isEqualTo(-1);
    }

    @Test
    void noRetryForAServerAlreadyDownAnInconclusiveResultOrWhenOff() {
        assertThat(FastRetry.delayMs(true, Verdict.DOWN, 1, 3, 200))
                .as("no hammering the dead")
                .isEqualTo(-1);
        assertThat(FastRetry.delayMs(false, Verdict.UP, 1, 3, 200))
                .as("ok, or late: the checker was starved")
                .isEqualTo(-1);
        assertThat(FastRetry.delayMs(true, Verdict.UP, 1, 3, 0)).as("off").isEqualTo(-1);
    }

    @Test
    void withFallOneTheFirstFailureIsTheVerdictAndNothingIsRetried() {
        assertThat(FastRetry.delayMs(true, Verdict.UP, 1, 1, 200)).isEqualTo(-1);
    }
}
