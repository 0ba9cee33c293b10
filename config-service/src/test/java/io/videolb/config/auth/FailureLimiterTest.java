package io.videolb.config.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FailureLimiterTest {
    @Test
    void anAddressIsRefusedAfterTheLimitUntilItsWindowEnds() {
        FailureLimiter l = new FailureLimiter(3, Duration.ofSeconds(60), 100);
        assertThat(l.failed("198.51.100.7", 1_000)).isFalse();
        assertThat(l.failed("198.51.100.7", 2_000)).isFalse();
        assertThat(l.retryAfterMs("198.51.100.7", 2_500)).isEmpty();
        assertThat(l.failed("198.51.100.7", 3_000)).isTrue();
        assertThat(l.retryAfterMs("198.51.100.7", 3_000)).hasValue(58_000);
        assertThat(l.retryAfterMs("203.0.113.9", 3_000)).as("another address").isEmpty();
        assertThat(l.retryAfterMs("198.51.100.7", 60_999)).hasValue(1);
        assertThat(l.retryAfterMs("198.51.100.7", 61_000)).isEmpty();
        assertThat(l.failed("198.51.100.7", 61_000))
                .as("a new window counts from 1")
                .isFalse();
    }

    @Test
    void aSuccessClearsTheCount() {
        FailureLimiter l = new FailureLimiter(2, Duration.ofSeconds(60), 100);
        l.failed("198.51.100.7", 0);
        l.succeeded("198.51.100.7");
        assertThat(l.failed("198.51.100.7", 1)).isFalse();
    }

    @Test
    void aFloodFromManyAddressesCostsBoundedMemoryOldestDroppedFirst() {
        FailureLimiter l = new FailureLimiter(1, Duration.ofSeconds(60), 1_000);
        for (int i = 0; i < 20_000; i++) l.failed("10.0." + (i / 256 % 256) + "." + (i % 256) + "/" + i, i);
        assertThat(l.tracked()).isLessThanOrEqualTo(1_000);
        assertThat(l.retryAfterMs("10.0.0.0/0", 20_000))
                .as("the oldest was dropped")
                .isEmpty();
        assertThat(l.retryAfterMs("10.0.78.31/19999", 20_000)).isPresent();
    }
}
