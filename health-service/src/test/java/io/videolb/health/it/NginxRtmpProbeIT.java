package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.testing.NginxRtmp;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Probes against a real nginx-rtmp fed by ffmpeg on loopback. */
class NginxRtmpProbeIT {
    static NginxRtmp nginx;
    static Vertx vertx;

    @BeforeAll
    static void startServer() throws Exception {
        nginx = NginxRtmp.startOrFail();
        nginx.awaitPlaylist(2, 30_000);
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (vertx != null) vertx.close().await();
        if (nginx != null) nginx.close();
    }

    private ProbeResult probeOnce(ProbeSettings s) {
        Endpoint ep = new Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort);
        return SchedulerHarness.probeOnce(vertx, ep, s);
    }

    @Test
    void shouldPassTheDigestRtmpHandshakeOfARealNginxRtmpServer() {
        ProbeResult r = probeOnce(ProbeSettings.DEFAULT.withLevel(ProbeLevel.RTMP));
        assertThat(r.ok()).as(r.reason()).isTrue();
        assertThat(r.level()).isEqualTo(ProbeLevel.RTMP);
    }

    @Test
    void shouldFindTheLivePlaylistOfARealNginxRtmpServerFreshAndItsSequenceAdvancing() throws Exception {
        ProbeResult r =
                probeOnce(ProbeSettings.DEFAULT.withLevel(ProbeLevel.HLS).withHlsPath(nginx.playlistPath()));
        assertThat(r.ok()).as(r.reason()).isTrue();
    }

    @Test
    void shouldReportAFrozenEncoderAsStaleAndAHungServerAsDownWithinFallTimesInterval() throws Exception {
        Ipv4Address server = Ipv4Address.parse("198.51.100.10");
        ProbeSettings s = ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.HLS)
                .withHlsPath(nginx.playlistPath())
                .withTiming(Duration.ofMillis(500), Duration.ofMillis(400), 2, 2, Duration.ZERO);
        try (SchedulerHarness h = new SchedulerHarness(vertx, null)) {
            h.probe(server, new Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort), s);
            HealthVerdict up = h.awaitVerdict(server, Verdict.UP, 10_000);
            assertThat(up.level()).isEqualTo(ProbeLevel.HLS);

            // the encoder dies; nginx still answers 200 with the last playlist (target duration 1 s)
            nginx.stopFfmpeg();
            long t0 = System.currentTimeMillis();
            HealthVerdict down = h.awaitVerdict(server, Verdict.DOWN, 15_000);
            long took = System.currentTimeMillis() - t0;
            assertThat(down.level()).isEqualTo(ProbeLevel.HLS);
            // nginx-rtmp may also drop the playlist when the stream ends: stale, or 404 - both are the frozen encoder
            assertThat(down.reason()).containsAnyOf("stale", "HTTP 404");
            // 1.5 x target (the playlist's target duration is at most 2 s here) + fall x interval + slack
            assertThat(took).isLessThan(3_000 + 2 * 500 + 2_000);

            nginx.startFfmpeg();
            h.awaitVerdict(server, Verdict.UP, 30_000);

            // a hung server: the kernel still accepts TCP, nothing answers the handshake
            nginx.signalNginx("STOP");
            try {
                long t1 = System.currentTimeMillis();
                HealthVerdict hung = h.awaitVerdict(server, Verdict.DOWN, 10_000);
                long tookHung = System.currentTimeMillis() - t1;
                assertThat(hung.reason())
                        .contains("RTMP handshake")
                        .containsAnyOf("no RTMP handshake reply", "incomplete");
                assertThat(hung.level()).isEqualTo(ProbeLevel.RTMP);
                assertThat(tookHung).isLessThan(2 * 500 + 400 + 1_000);
            } finally {
                nginx.signalNginx("CONT");
            }
        }
    }

    @Test
    void shouldConnectToTheLiveApplicationOfARealNginxRtmpServerAndGet_result() {
        ProbeResult r =
                probeOnce(ProbeSettings.DEFAULT.withLevel(ProbeLevel.RTMP).withRtmpApp("live"));
        assertThat(r.ok()).as(r.reason()).isTrue();
        ProbeResult hls = probeOnce(ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.HLS)
                .withHlsPath(nginx.playlistPath())
                .withRtmpApp("live"));
        assertThat(hls.ok()).as(hls.reason()).isTrue();
    }

    @Test
    void shouldReportAConnectToAnApplicationNginxDoesNotKnowAsDown() {
        ProbeResult r =
                probeOnce(ProbeSettings.DEFAULT.withLevel(ProbeLevel.RTMP).withRtmpApp("nosuchapp"));
        assertThat(r.ok()).isFalse();
        assertThat(r.level()).isEqualTo(ProbeLevel.RTMP);
        // nginx-rtmp logs "application not found" and closes the connection without an _error
        assertThat(r.reason())
                .isEqualTo("rtmp connect: server closed the connection before answering connect (app 'nosuchapp')");
    }
}
