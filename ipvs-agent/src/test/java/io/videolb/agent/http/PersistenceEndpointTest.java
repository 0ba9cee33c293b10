package io.videolb.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Who may ask GET /persistence: only the director itself. */
class PersistenceEndpointTest {
    @Test
    void onlyLoopbackPeersMayAskForAViewersPersistence() {
        assertThat(PersistenceEndpoint.isLoopback("127.0.0.1")).isTrue();
        assertThat(PersistenceEndpoint.isLoopback("127.1.2.3")).isTrue();
        assertThat(PersistenceEndpoint.isLoopback("::1")).isTrue();
        assertThat(PersistenceEndpoint.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(PersistenceEndpoint.isLoopback("198.51.100.2")).isFalse();
        assertThat(PersistenceEndpoint.isLoopback("10.0.0.1")).isFalse();
        assertThat(PersistenceEndpoint.isLoopback("128.0.0.1")).isFalse();
        assertThat(PersistenceEndpoint.isLoopback("localhost"))
                .as("a name is not an address")
                .isFalse();
        assertThat(PersistenceEndpoint.isLoopback("127.0.0.1.example.com")).isFalse();
        assertThat(PersistenceEndpoint.isLoopback("::ffff:127.0.0.1"))
                .as("mapped: refused, the agent listens on IPv4")
                .isFalse();
        assertThat(PersistenceEndpoint.isLoopback("")).isFalse();
        assertThat(PersistenceEndpoint.isLoopback(null)).isFalse();
    }
}
