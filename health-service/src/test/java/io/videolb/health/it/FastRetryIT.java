package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's fast path: a loopback server killed (its ports closed: connection refused) at a random phase
 * of the interval, at the default interval (2 s) and fall (3), with and without the re-probe after a
 * failure. Prints the detection times; asserts only what cannot be a timing accident: with the re-probe the
 * verdict comes before fall x interval could have passed (it needs one interval of phase at most, then
 * two retries), and without it never before (fall - 1) intervals.
 */
class FastRetryIT {
    static final ProbeSettings S = ProbeSettings.DEFAULT
            .withLevel(ProbeLevel.TCP)
            .withTiming(Duration.ofSeconds(2), Duration.ofMillis(1_000), 1, 3, Duration.ZERO);

    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() {
        vertx.close().await();
    }

    long killAndTime(SchedulerHarness h, int i) throws Exception {
        FakeVideoServer f = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
        Ipv4Address server = Ipv4Address.parse("198.51.100." + (10 + i));
        h.probe(server, new Endpoint(Ipv4Address.parse("127.0.0.1"), f.rtmpPort(), f.httpPort()), S);
        h.awaitVerdict(server, Verdict.UP, 10_000);
        Thread.sleep((long) (Math.random() * 2_000)); // a random phase of the interval
        long t0 = System.nanoTime();
        f.close();
        h.awaitVerdict(server, Verdict.DOWN, 15_000);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void aKilledServerIsDownWithinAboutOneIntervalWithTheRetryAndFallIntervalsWithout() throws Exception {
        List<Long> fast = new ArrayList<>();
        List<Long> slow = new ArrayList<>();
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            h.scheduler.run(s -> s.setRetryDelay(200));
            for (int i = 0; i < 4; i++) fast.add(killAndTime(h, i));
        }
        try (SchedulerHarness h = new SchedulerHarness(vertx, null, 1.0)) {
            for (int i = 0; i < 2; i++) slow.add(killAndTime(h, 50 + i));
        }
        System.out.printf(
                "FIGURE killed server -> DOWN verdict (interval 2 s, fall 3): retry 200 ms %s ms; no retry %s ms%n",
                fast, slow);
        assertThat(fast).allSatisfy(ms -> assertThat(ms).isLessThan(2 * 2_000));
        assertThat(slow).allSatisfy(ms -> assertThat(ms).isGreaterThanOrEqualTo(2 * 2_000 - 100));
    }
}
