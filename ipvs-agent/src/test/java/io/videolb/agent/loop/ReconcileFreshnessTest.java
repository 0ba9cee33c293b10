package io.videolb.agent.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.runtime.settings.KafkaConnection;
import java.time.Duration;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

class ReconcileFreshnessTest {
    final ReconcileFreshness f = new ReconcileFreshness(Duration.ofSeconds(120), 1_000_000);

    @Test
    void freshUntilTheBoundThenStaleWithTheAgeInTheReason() {
        assertThat(f.stale(1_000_000 + 120_000, 0))
                .as("no run yet, but just started")
                .isEmpty();
        assertThat(f.stale(1_000_000 + 120_001, 0))
                .hasValueSatisfying(s -> assertThat(s).startsWith("no successful reconcile since the start"));
        assertThat(f.stale(2_000_000, 1_950_000)).isEmpty();
        assertThat(f.stale(2_000_000, 1_870_000))
                .hasValueSatisfying(s -> assertThat(s).isEqualTo("last successful reconcile 130 s ago (bound 120 s)"));
        assertThat(f.ageMs(2_000_000, 1_870_000)).isEqualTo(130_000);
    }

    @Test
    void theBoundDefaultsToFourResyncsAndMustExceedOneResync() {
        AgentSettings.Builder b = AgentSettings.builder()
                .director("d1")
                .kafka(KafkaConnection.plain("127.0.0.1:9092"))
                .resync(Duration.ofSeconds(45));
        assertThat(b.build().reconcileStaleBound()).isEqualTo(Duration.ofSeconds(180));
        assertThat(b.reconcileStale(Duration.ofSeconds(60)).build().reconcileStaleBound())
                .isEqualTo(Duration.ofSeconds(60));
        Assertions.assertThatThrownBy(
                        () -> b.reconcileStale(Duration.ofSeconds(30)).build())
                .hasMessageContaining("VIDEOLB_RECONCILE_STALE_S")
                .hasMessageContaining("VIDEOLB_RESYNC_S");
    }
}
