package io.videolb.alert;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** POST /outbox/retry answers only loopback peers: which peer addresses count as loopback. */
class RetryEndpointPeerTest {
    @Test
    void onlyLiteralLoopbackAddressesArePeersOfTheRetryEndpoint() {
        assertThat(AlertService.isLoopback("127.0.0.1")).isTrue();
        assertThat(AlertService.isLoopback("127.10.0.2")).isTrue();
        assertThat(AlertService.isLoopback("::1")).isTrue();
        assertThat(AlertService.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(AlertService.isLoopback("192.0.2.1")).isFalse();
        assertThat(AlertService.isLoopback("128.0.0.1")).isFalse();
        assertThat(AlertService.isLoopback("localhost")).isFalse();
        assertThat(AlertService.isLoopback("::ffff:192.0.2.1")).isFalse();
        assertThat(AlertService.isLoopback("")).isFalse();
        assertThat(AlertService.isLoopback(null)).isFalse();
    }
}
