package io.videolb.health.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.probe.ProbeResult;
import org.junit.jupiter.api.Test;

/** What a verdict republished every refresh interval says while the probes agree with it, and while they do not. */
class RepublishedReasonTest {
    static final String STALE = "stale: media sequence 41 unchanged for 3100 ms (target duration 2 s)";
    static final ProbeResult OK = ProbeResult.ok(ProbeLevel.HLS, 900);
    static final ProbeResult REFUSED =
            ProbeResult.fail(ProbeLevel.RTMP, "TCP connect to 192.0.2.11:1935 failed: Connection refused", 300);

    @Test
    void aHeldDownVerdictKeepsItsCauseAndNamesTheLatestProbe() {
        // the StandaloneVmIT failure: rs12 revived inside the alert group window, the refresh republished its DOWN
        // verdict with the latest probe's "ok", and the mail said "reason: ok" for a stale server
        String r = ProbeScheduler.republishedReason(Verdict.DOWN, STALE, OK);
        assertThat(r)
                .startsWith(STALE + " [held DOWN ")
                .endsWith("latest probe: ok]")
                .isNotEqualTo(OK.reason());
    }

    @Test
    void aHeldUpVerdictSaysItIsUpAndWhatTheFailingProbeSaid() {
        assertThat(ProbeScheduler.republishedReason(Verdict.UP, "ok", REFUSED))
                .isEqualTo("ok [held UP until rise/fall and the minimum dwell allow a change; latest probe: "
                        + REFUSED.reason() + "]");
    }

    @Test
    void probesThatAgreeGiveTheirOwnReason() {
        assertThat(ProbeScheduler.republishedReason(Verdict.DOWN, STALE, REFUSED))
                .isEqualTo(REFUSED.reason());
        assertThat(ProbeScheduler.republishedReason(Verdict.UP, "ok", OK)).isEqualTo("ok");
        assertThat(ProbeScheduler.republishedReason(Verdict.DOWN, STALE, null))
                .as("nothing probed since a seeded verdict")
                .isEqualTo(STALE);
    }

    @Test
    void notesNeverNestAcrossRefreshesOrRestarts() {
        String once = ProbeScheduler.republishedReason(Verdict.DOWN, STALE, OK);
        assertThat(ProbeScheduler.causeOf(once)).isEqualTo(STALE);
        // a restarted checker seeded with that verdict republishes it with one note, not two
        String again = ProbeScheduler.republishedReason(Verdict.DOWN, once, OK);
        assertThat(again).isEqualTo(once);
        assertThat(ProbeScheduler.republishedReason(Verdict.DOWN, "", OK)).startsWith("[held DOWN ");
        assertThat(ProbeScheduler.causeOf(null)).isEmpty();
    }
}
