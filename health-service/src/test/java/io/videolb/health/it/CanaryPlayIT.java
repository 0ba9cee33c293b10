package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.ProbeLevel;
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

/**
 * Issue 16, the canary play probe: against a real nginx-rtmp fed by ffmpeg on loopback, RTMP handshake + connect
 * + createStream + play. A publishing stream is UP (media arrived); a stream never published, or stopped, is DOWN
 * with a clear reason within the timeout: nginx-rtmp accepts the play (onStatus NetStream.Play.Start) and sends no
 * media, which is the "accepts play but sends no media" server.
 */
class CanaryPlayIT {
    static final long TIMEOUT_MS = 1_500;
    static NginxRtmp nginx;
    static Vertx vertx;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxRtmp.startOrFail();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() throws Exception {
        if (vertx != null) vertx.close().await();
        if (nginx != null) nginx.close();
    }

    static ProbeResult play(String stream) {
        ProbeSettings s = ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.RTMP)
                .withTiming(Duration.ofMillis(2_000), Duration.ofMillis(TIMEOUT_MS), 1, 1, Duration.ZERO)
                .withRtmpApp("live")
                .withRtmpPlayStream(stream);
        return SchedulerHarness.probeOnce(
                vertx, new Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort), s);
    }

    /** Probes until UP (bounded): ffmpeg needs a moment before its stream is published. */
    static ProbeResult awaitUp(String stream, long timeoutMs) throws InterruptedException {
        long until = System.currentTimeMillis() + timeoutMs;
        ProbeResult r = play(stream);
        while (!r.ok() && System.currentTimeMillis() < until) {
            Thread.sleep(200);
            r = play(stream);
        }
        return r;
    }

    @Test
    void aPublishingStreamIsUpAndAStoppedOneIsDownWithItsReasonWithinTheTimeout() throws Exception {
        ProbeResult up = awaitUp("test", 20_000);
        assertThat(up.ok()).as(up.reason()).isTrue();
        System.out.printf("FIGURE canary play of live/test (publishing): UP in %d ms%n", up.latencyMicros() / 1000);

        Process cam = nginx.startPublisher("canary");
        ProbeResult camUp = awaitUp("canary", 20_000);
        assertThat(camUp.ok()).as(camUp.reason()).isTrue();
        NginxRtmp.stop(cam);
        long t0 = System.currentTimeMillis();
        ProbeResult stopped = play("canary");
        long took = System.currentTimeMillis() - t0;
        System.out.printf(
                "FIGURE canary play of live/canary after its ffmpeg stopped: DOWN in %d ms: %s%n",
                took, stopped.reason());
        assertThat(stopped.ok()).isFalse();
        assertThat(stopped.level()).isEqualTo(ProbeLevel.RTMP);
        assertThat(stopped.reason())
                .isEqualTo("rtmp play: no audio/video of stream 'live/canary' within " + TIMEOUT_MS
                        + " ms (last status: NetStream.Play.Start)");
        assertThat(took).isBetween(TIMEOUT_MS - 50, TIMEOUT_MS + 1_000);
    }

    @Test
    void aStreamNeverPublishedIsAcceptedWithoutMediaAndDownWithTheTimeoutReason() {
        long t0 = System.currentTimeMillis();
        ProbeResult r = play("neverpublished");
        long took = System.currentTimeMillis() - t0;
        System.out.printf("FIGURE canary play of a never-published stream: DOWN in %d ms: %s%n", took, r.reason());
        assertThat(r.ok()).isFalse();
        assertThat(r.reason())
                .isEqualTo("rtmp play: no audio/video of stream 'live/neverpublished' within " + TIMEOUT_MS
                        + " ms (last status: NetStream.Play.Start)");
        assertThat(took).isBetween(TIMEOUT_MS - 50, TIMEOUT_MS + 1_000);
    }

    @Test
    void withoutAPlayStreamTheConnectCheckIsAsBefore() {
        ProbeResult r = SchedulerHarness.probeOnce(
                vertx,
                new Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort),
                ProbeSettings.DEFAULT.withLevel(ProbeLevel.RTMP).withRtmpApp("live"));
        assertThat(r.ok()).as(r.reason()).isTrue();
    }
}
