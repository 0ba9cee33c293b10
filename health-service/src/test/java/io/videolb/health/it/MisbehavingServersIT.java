package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.schedule.Target;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Our own misbehaving servers on loopback, each caught with the right reason within fall x interval. */
class MisbehavingServersIT {
    static final long INTERVAL = 300;
    static final int FALL = 2;
    static final ProbeSettings HLS = ProbeSettings.DEFAULT
            .withLevel(ProbeLevel.HLS)
            .withHlsPath("/live/test.m3u8")
            .withTiming(Duration.ofMillis(INTERVAL), Duration.ofMillis(250), 2, FALL, Duration.ZERO);

    Vertx vertx;
    final List<FakeVideoServer> servers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() {
        servers.forEach(FakeVideoServer::close);
        vertx.close().await();
    }

    FakeVideoServer fake() {
        FakeVideoServer f = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
        servers.add(f);
        return f;
    }

    static Endpoint ep(FakeVideoServer f) {
        return new Endpoint(Ipv4Address.parse("127.0.0.1"), f.rtmpPort(), f.httpPort());
    }

    /** Brings the server up, applies {@code breakIt}, expects DOWN with {@code reason} within budgetMs. */
    void expectDown(
            java.util.function.Consumer<FakeVideoServer> breakIt, ProbeLevel level, String reason, long budgetMs)
            throws Exception {
        FakeVideoServer f = fake();
        Ipv4Address server = Ipv4Address.parse("198.51.100.20");
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.probe(server, ep(f), HLS);
            h.awaitVerdict(server, Verdict.UP, 5_000);
            breakIt.accept(f);
            long t0 = System.currentTimeMillis();
            HealthVerdict down = h.awaitVerdict(server, Verdict.DOWN, 10_000);
            long took = System.currentTimeMillis() - t0;
            assertThat(down.reason()).contains(reason);
            assertThat(down.level()).isEqualTo(level);
            assertThat(took).as("detection time").isLessThanOrEqualTo(budgetMs);
        }
    }

    // budget: fall x interval, plus one interval of phase and one timeout
    static final long BUDGET = FALL * INTERVAL + INTERVAL + 250 + 200;

    @Test
    void shouldCatchAServerThatAcceptsTcpButNeverAnswersTheHandshake() throws Exception {
        expectDown(
                f -> f.rtmp = FakeVideoServer.Rtmp.SILENT,
                ProbeLevel.RTMP,
                "no RTMP handshake reply within 250 ms",
                BUDGET);
    }

    @Test
    void shouldCatchAWrongS2Echo() throws Exception {
        expectDown(f -> f.rtmp = FakeVideoServer.Rtmp.WRONG_ECHO, ProbeLevel.RTMP, "neither echoes C1", BUDGET);
    }

    @Test
    void shouldAcceptADigestHandshakeServer() throws Exception {
        FakeVideoServer f = fake();
        f.rtmp = FakeVideoServer.Rtmp.DIGEST;
        assertThat(SchedulerHarness.probeOnce(vertx, ep(f), HLS.withLevel(ProbeLevel.RTMP))
                        .ok())
                .isTrue();
    }

    @Test
    void shouldCatchAFrozenPlaylistBehindHttp200AsStale() throws Exception {
        // target duration 1 s: stale after 1.5 s without advance, then fall x interval
        expectDown(f -> f.hls = FakeVideoServer.Hls.FROZEN, ProbeLevel.HLS, "stale", 1_500 + BUDGET + 1_000);
    }

    @Test
    void shouldCatchASlowPlaylistByItsTimeout() throws Exception {
        expectDown(f -> f.hls = FakeVideoServer.Hls.SLOW, ProbeLevel.HLS, "within 250 ms", BUDGET);
    }

    @Test
    void shouldCatchAMissingPlaylistAndAnHtmlPage() throws Exception {
        expectDown(f -> f.hls = FakeVideoServer.Hls.NOT_FOUND, ProbeLevel.HLS, "HTTP 404", BUDGET);
        expectDown(f -> f.hls = FakeVideoServer.Hls.NOT_M3U8, ProbeLevel.HLS, "#EXTM3U", BUDGET);
    }

    @Test
    void shouldPublishCheckerDegradedInsteadOfMassDownWhenTheKnownGoodTargetFailsToo() throws Exception {
        List<FakeVideoServer> fs = new ArrayList<>();
        for (int i = 0; i < 4; i++) fs.add(fake());
        FakeVideoServer good = fake();
        Target knownGood = new Target(Ipv4Address.parse("127.0.0.1"), ep(good), HLS.withLevel(ProbeLevel.RTMP));
        try (SchedulerHarness h = new SchedulerHarness(vertx, knownGood, 0.5)) {
            for (int i = 0; i < 4; i++)
                h.probe(Ipv4Address.parse("198.51.100." + (30 + i)), ep(fs.get(i)), HLS.withLevel(ProbeLevel.RTMP));
            for (int i = 0; i < 4; i++) h.awaitCurrent(Ipv4Address.parse("198.51.100." + (30 + i)), Verdict.UP, 5_000);
            // the checker's own view breaks: everything, known-good included, stops answering
            fs.forEach(f -> f.rtmp = FakeVideoServer.Rtmp.SILENT);
            good.rtmp = FakeVideoServer.Rtmp.SILENT;
            long deadline = System.currentTimeMillis() + 5_000;
            while (h.checkers.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(20);
            assertThat(h.checkers).isNotEmpty();
            assertThat(h.checkers.get(0).degraded()).isTrue();
            assertThat(h.checkers.get(0).reason()).contains("known-good");
            Thread.sleep(2_000);
            assertThat(h.verdicts).noneMatch(v -> v.verdict() == Verdict.DOWN);

            // known-good answers again: the checker recovers, and the servers really are down
            good.rtmp = FakeVideoServer.Rtmp.SIMPLE_ECHO;
            h.awaitVerdict(Ipv4Address.parse("198.51.100.30"), Verdict.DOWN, 5_000);
            assertThat(h.checkers.get(h.checkers.size() - 1).degraded()).isFalse();
        }
    }

    @Test
    void shouldOnlyTransitionAsRiseFallAndDwellAllowWhenAServerFlapsEverySecondForAMinute() throws Exception {
        FakeVideoServer f = fake();
        Ipv4Address server = Ipv4Address.parse("198.51.100.40");
        long dwell = 10_000;
        ProbeSettings s = HLS.withLevel(ProbeLevel.RTMP)
                .withTiming(Duration.ofMillis(250), Duration.ofMillis(200), 2, 2, Duration.ofMillis(dwell));
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.probe(server, ep(f), s);
            long end = System.currentTimeMillis() + 60_000;
            boolean bad = false;
            while (System.currentTimeMillis() < end) {
                Thread.sleep(1_000);
                bad = !bad;
                f.rtmp = bad ? FakeVideoServer.Rtmp.SILENT : FakeVideoServer.Rtmp.SIMPLE_ECHO;
            }
            int transitions = h.verdictsOf(server).size();
            // first decision from unknown + at most one change per dwell period
            assertThat(transitions).isBetween(2, (int) (60_000 / dwell) + 1);
        }
    }

    @Test
    void shouldCatchAServerThatCompletesTheHandshakeButNeverAnswersConnect() throws Exception {
        FakeVideoServer f = fake();
        f.connectAnswer = "_result";
        Ipv4Address server = Ipv4Address.parse("198.51.100.50");
        ProbeSettings s = HLS.withLevel(ProbeLevel.RTMP).withRtmpApp("live");
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.probe(server, ep(f), s);
            h.awaitVerdict(server, Verdict.UP, 5_000);
            f.connectAnswer = null; // handshake still fine, connect never answered
            long t0 = System.currentTimeMillis();
            HealthVerdict down = h.awaitVerdict(server, Verdict.DOWN, 10_000);
            long took = System.currentTimeMillis() - t0;
            assertThat(down.reason()).isEqualTo("rtmp connect: no answer to connect (app 'live') within 250 ms");
            assertThat(down.level()).isEqualTo(ProbeLevel.RTMP);
            assertThat(took).as("detection time").isLessThanOrEqualTo(BUDGET);
        }
        // without the opt-in the same server is up: the handshake alone passes
        assertThat(SchedulerHarness.probeOnce(vertx, ep(f), HLS.withLevel(ProbeLevel.RTMP))
                        .ok())
                .isTrue();
    }

    @Test
    void shouldReportAConnectRejectionWithTheServersCodeAndSanitizedText() throws Exception {
        FakeVideoServer f = fake();
        f.connectAnswer = "Application not found\r\nX-Evil: \u0007\u00ff " + "y".repeat(1_000);
        ProbeResult r = SchedulerHarness.probeOnce(
                vertx, ep(f), HLS.withLevel(ProbeLevel.RTMP).withRtmpApp("nosuchapp"));
        assertThat(r.ok()).isFalse();
        assertThat(r.level()).isEqualTo(ProbeLevel.RTMP);
        assertThat(r.reason())
                .startsWith("rtmp connect: _error NetConnection.Connect.Rejected Application not found??X-Evil: ?? yyy")
                .endsWith("...")
                .hasSizeLessThanOrEqualTo(200);
        assertThat(r.reason().chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        // the HLS level runs the same connect step
        f.connectAnswer = "_result";
        ProbeResult ok = SchedulerHarness.probeOnce(vertx, ep(f), HLS.withRtmpApp("live"));
        assertThat(ok.ok()).as(ok.reason()).isTrue();
    }

    /**
     * A checker starved of CPU (here: its own event loop kept busy 1000 ms out of every ~1005) reads every
     * probe's timeout far too late: those failures are the checker's, not the server's, and must not take a
     * server DOWN. Once the loop runs on time again, the same silent server goes DOWN within fall x interval.
     */
    @Test
    void aStarvedCheckerDoesNotCountItsLateFailuresAsDown() throws Exception {
        FakeVideoServer f = fake();
        f.rtmp = FakeVideoServer.Rtmp.SILENT;
        Ipv4Address server = Ipv4Address.parse("198.51.100.21");
        ProbeSettings rtmp = ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.RTMP)
                .withTiming(Duration.ofMillis(500), Duration.ofMillis(200), 1, 1, Duration.ZERO);
        java.util.concurrent.atomic.AtomicBoolean starving = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.scheduler.run(sch -> starve(starving));
            h.probe(server, ep(f), rtmp);
            long end = System.currentTimeMillis() + 6_000;
            while (h.scheduler.inconclusiveCount() < 3 && System.currentTimeMillis() < end) Thread.sleep(100);
            assertThat(h.scheduler.inconclusiveCount()).as("late failures seen").isGreaterThanOrEqualTo(3);
            assertThat(h.verdictsOf(server)).as("no verdict from late failures").isEmpty();

            starving.set(false);
            HealthVerdict down = h.awaitVerdict(server, Verdict.DOWN, 5_000);
            assertThat(down.reason()).contains("no RTMP handshake reply within 200 ms");
        }
    }

    /**
     * Issues 11/12: a checker starved for a sustained time reports itself degraded (so agents hold DOWNs and
     * the operator is told), and not degraded once its loop has run on time as long. Here the watch is
     * sampled every 100 ms with a 250 ms threshold and a 2 s window (the service uses 5 s).
     */
    @Test
    void aCheckerStarvedForLongReportsItselfDegradedAndRecovers() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean starving = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.scheduler.run(sch -> {
                sch.startLagWatch(100, new io.videolb.health.schedule.LagWatch(250, 2_000));
                sch.startHeartbeat(60_000); // statuses go out on each change, not by the clock
            });
            Thread.sleep(500);
            assertThat(h.checkers).as("the first heartbeat").isNotEmpty().allMatch(c -> !c.degraded());
            h.scheduler.run(sch -> starve(starving));
            long end = System.currentTimeMillis() + 10_000;
            while (h.checkers.stream().noneMatch(c -> c.degraded()) && System.currentTimeMillis() < end)
                Thread.sleep(100);
            io.videolb.events.CheckerStatus degraded =
                    h.checkers.stream().filter(c -> c.degraded()).findFirst().orElseThrow();
            assertThat(degraded.reason()).contains("checker loop more than 250 ms late for 2000 ms");

            starving.set(false);
            end = System.currentTimeMillis() + 10_000;
            while (h.checkers.get(h.checkers.size() - 1).degraded() && System.currentTimeMillis() < end)
                Thread.sleep(100);
            assertThat(h.checkers.get(h.checkers.size() - 1).degraded())
                    .as("on time for 2 s: not degraded any more")
                    .isFalse();
        }
    }

    /** Keeps the current event loop busy for 1000 ms, free for ~5 ms, again, while {@code starving}. */
    void starve(java.util.concurrent.atomic.AtomicBoolean starving) {
        if (!starving.get()) return;
        long until = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < until) Thread.onSpinWait();
        vertx.setTimer(5, id -> starve(starving));
    }
}
