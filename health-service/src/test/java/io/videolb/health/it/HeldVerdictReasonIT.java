package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A DOWN verdict held by the minimum dwell while its server answers again, republished by the refresh timer: the
 * real scheduler and prober against a loopback server that is closed and reopened on the same port. The republished
 * DOWN verdicts keep the reason the server went down for (CI's StandaloneVmIT mailed "reason: ok" for a stale server
 * when a refresh fell into that window).
 */
class HeldVerdictReasonIT {
    @Test
    void aDownVerdictHeldByTheDwellKeepsItsCauseWhileTheServerAnswersAgain() throws Exception {
        // TCP probes every 200 ms, rise and fall 1, a minimum dwell of 3 s: every change is held 3 s
        ProbeSettings settings = ProbeSettings.DEFAULT
                .withLevel(ProbeLevel.TCP)
                .withTiming(Duration.ofMillis(200), Duration.ofMillis(200), 1, 1, Duration.ofSeconds(3));
        Vertx vertx = Vertx.vertx();
        try {
            heldDownKeepsItsCause(vertx, settings);
        } finally {
            vertx.close().await();
        }
    }

    private static void heldDownKeepsItsCause(Vertx vertx, ProbeSettings settings) throws Exception {
        Ipv4Address server = Ipv4Address.parse("198.51.100.40");
        FakeVideoServer f = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
        int port = f.rtmpPort();
        int httpPort = f.httpPort();
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0, 250)) {
            h.probe(server, new Endpoint(Ipv4Address.parse("127.0.0.1"), port, httpPort), settings);
            h.awaitVerdict(server, Verdict.UP, 10_000);
            Thread.sleep(3_200); // past the dwell of the UP verdict
            f.close();
            HealthVerdict down = h.awaitVerdict(server, Verdict.DOWN, 10_000);
            assertThat(down.reason()).contains("Connection refused");
            FakeVideoServer back = FakeVideoServer.start(vertx, "127.0.0.1", port, httpPort);
            try {
                int from = h.verdicts.size();
                // the probes answer now, the dwell (3 s) holds DOWN, the refresh (250 ms) republishes it meanwhile
                HealthVerdict held = awaitHeld(h, server, from, 5_000);
                assertThat(held.reason())
                        .startsWith(down.reason() + " [held DOWN ")
                        .endsWith("latest probe: ok]");
                HealthVerdict up = h.awaitVerdict(server, Verdict.UP, 10_000);
                assertThat(up.reason()).isEqualTo("ok");
                List<HealthVerdict> republishedDown = h.verdictsOf(server).stream()
                        .filter(v -> v.verdict() == Verdict.DOWN)
                        .toList();
                assertThat(republishedDown)
                        .as("no DOWN verdict ever reads just 'ok'")
                        .isNotEmpty()
                        .noneMatch(v -> v.reason().equals("ok"));
            } finally {
                back.close();
            }
        }
    }

    private static HealthVerdict awaitHeld(SchedulerHarness h, Ipv4Address server, int from, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            for (int i = from; i < h.verdicts.size(); i++) {
                HealthVerdict v = h.verdicts.get(i);
                if (v.server().equals(server)
                        && v.verdict() == Verdict.DOWN
                        && v.reason().contains("[held DOWN")) return v;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no republished DOWN verdict with a held note on " + server + " within " + timeoutMs
                + " ms; published: " + h.verdictsOf(server));
    }
}
