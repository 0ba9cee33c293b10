package io.videolb.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Sharing and closing only; an Admin client connects lazily, so no broker is needed (closed loopback port). */
class SharedAdminTest {

    private static Properties props(String bootstrap, String clientId) {
        return KafkaSettings.of(bootstrap, clientId).admin();
    }

    @Test
    void clientsThatDifferOnlyInTheirClientIdShareOneAdminUntilTheLastLeaseCloses() {
        int before = SharedAdmin.open();
        SharedAdmin.Lease a = SharedAdmin.acquire(props("127.0.0.1:9", "topic-admin"));
        SharedAdmin.Lease b = SharedAdmin.acquire(props("127.0.0.1:9", "state-admin-1"));
        SharedAdmin.Lease other = SharedAdmin.acquire(props("127.0.0.1:10", "state-admin-2"));
        org.apache.kafka.clients.admin.Admin shared = a.admin();
        assertThat(b.admin()).isSameAs(shared);
        assertThat(other.admin()).isNotSameAs(a.admin());
        assertThat(SharedAdmin.open()).isEqualTo(before + 2);

        a.close(Duration.ofSeconds(1));
        a.close(Duration.ofSeconds(1)); // a second close of the same lease does not take b's away
        assertThat(SharedAdmin.open()).isEqualTo(before + 2);
        assertThatThrownBy(a::admin).isInstanceOf(IllegalStateException.class);
        SharedAdmin.Lease c = SharedAdmin.acquire(props("127.0.0.1:9", "again"));
        assertThat(c.admin()).isSameAs(b.admin());

        b.close(Duration.ofSeconds(1));
        c.close(Duration.ofSeconds(1));
        other.close(Duration.ofSeconds(1));
        assertThat(SharedAdmin.open()).isEqualTo(before);
        SharedAdmin.Lease fresh = SharedAdmin.acquire(props("127.0.0.1:9", "topic-admin"));
        try {
            assertThat(fresh.admin()).isNotSameAs(shared); // the closed one is never handed out again
        } finally {
            fresh.close(Duration.ofSeconds(1));
        }
    }
}
