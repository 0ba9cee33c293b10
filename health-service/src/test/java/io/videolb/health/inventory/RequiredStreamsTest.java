package io.videolb.health.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.ProbeLevel;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.ProbeResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A required stream not publishing fails the probe as a frozen encoder does; an unknown inventory decides nothing. */
class RequiredStreamsTest {
    static final ProbeResult OK = ProbeResult.ok(ProbeLevel.RTMP, 900);

    static InventoryResult carrying(String... publishing) {
        List<StreamInventory.Stream> s = new java.util.ArrayList<>();
        for (String p : publishing) s.add(new StreamInventory.Stream("live", p, true, 1, 0));
        s.add(new StreamInventory.Stream("live", "idle", false, 0, 0)); // listed, no publisher
        return InventoryResult.known(new StreamInventory(s, 0), 100);
    }

    @Test
    void aMissingRequiredStreamFailsTheProbeAsStale() {
        ProbeResult r = RequiredStreams.apply(OK, List.of("live/cam7", "live/cam8"), carrying("cam8"));
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).startsWith("stale: required stream live/cam7 not publishing");
        assertThat(r.level()).isEqualTo(ProbeLevel.RTMP);
        assertThat(r.latencyMicros()).isEqualTo(900);
    }

    @Test
    void aListedStreamWithoutAPublisherIsMissing() {
        assertThat(RequiredStreams.apply(OK, List.of("live/idle"), carrying()).ok())
                .isFalse();
    }

    @Test
    void everyRequiredStreamPublishingPassesTheProbeUnchanged() {
        assertThat(RequiredStreams.apply(OK, List.of("live/cam7"), carrying("cam7", "cam9")))
                .isSameAs(OK);
    }

    @Test
    void anUnknownOrMissingInventoryOrNoRequirementDecidesNothing() {
        assertThat(RequiredStreams.apply(OK, List.of("live/cam7"), InventoryResult.unknown("timeout", 0)))
                .isSameAs(OK);
        assertThat(RequiredStreams.apply(OK, List.of("live/cam7"), null)).isSameAs(OK);
        assertThat(RequiredStreams.apply(OK, List.of(), carrying())).isSameAs(OK);
    }

    @Test
    void aFailedProbeKeepsItsOwnReason() {
        ProbeResult failed = ProbeResult.fail(ProbeLevel.RTMP, "connect refused", 5);
        assertThat(RequiredStreams.apply(failed, List.of("live/cam7"), carrying()))
                .isSameAs(failed);
    }
}
