package io.videolb.health.bench;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.ProbeScheduler;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.health.schedule.Target;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Probes N simulated servers (own responders on loopback, one RTMP + one HTTP port each) at
 * the given level and interval for a while; prints probes/second sustained, probe latency
 * (p50/p99) against a single idle probe, failures and the process RSS.
 *
 * <p>Args: [servers=1000] [level=HLS] [intervalMs=1000] [seconds=20]. Responders and prober
 * share one JVM (responders on their own Vert.x instance), so RSS is an upper bound for the service.
 */
public final class ProbeBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        ProbeLevel level = args.length > 1 ? ProbeLevel.valueOf(args[1]) : ProbeLevel.HLS;
        long interval = args.length > 2 ? Long.parseLong(args[2]) : 1000;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;

        Vertx responders = Vertx.vertx();
        List<FakeVideoServer> fakes = new ArrayList<>();
        for (int i = 0; i < n; i++) fakes.add(FakeVideoServer.start(responders, "127.0.0.1", 0, 0));
        ProbeSettings s = ProbeSettings.DEFAULT.withLevel(level).withHlsPath("/live/x.m3u8")
                .withTiming(Duration.ofMillis(interval), Duration.ofMillis(Math.min(interval, 900)), 2, 2, Duration.ZERO);

        Vertx vertx = Vertx.vertx();
        long rssBefore = rssKb();
        AtomicLong probes = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        long[] lat = new long[4_000_000];
        AtomicLong idx = new AtomicLong();
        ProbeScheduler.Observer obs = new ProbeScheduler.Observer() {
            @Override public void probed(Target t, ProbeResult r) {
                probes.incrementAndGet();
                if (!r.ok()) failures.incrementAndGet();
                long i = idx.getAndIncrement();
                if (i < lat.length) lat[(int) i] = r.latencyMicros();
            }
            @Override public void transition(Target t, HealthVerdict v) {}
        };
        VerdictSink sink = new VerdictSink() {
            @Override public void verdict(HealthVerdict v) {}
            @Override public void checker(CheckerStatus c) {}
        };
        Context ctx = vertx.getOrCreateContext();
        Prober prober = new Prober(vertx, Prober.StepRecorder.NONE);
        ProbeScheduler sch = new ProbeScheduler(vertx, ctx, prober, sink, SequenceClock.system(), "bench", 1.0, null, 60_000, obs);
        Map<Ipv4Address, Target> targets = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Ipv4Address a = new Ipv4Address(Ipv4Address.parse("10.0.0.0").bits() + i);
            targets.put(a, new Target(a, ep(fakes.get(i)), s));
        }
        sch.run(x -> x.setTargets(targets, Map.of()));
        Thread.sleep(interval + 500); // warm-up: every server probed once
        long p0 = probes.get(), f0 = failures.get(), i0 = idx.get(), t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        long p1 = probes.get(), f1 = failures.get(), i1 = Math.min(idx.get(), lat.length), t1 = System.nanoTime();
        long rss = rssKb();
        long[] window = Arrays.copyOfRange(lat, (int) i0, (int) i1);
        Arrays.sort(window);
        sch.run(ProbeScheduler::close);
        Thread.sleep(interval);
        // baseline, warm JIT and idle system: one probe at a time against one responder
        long[] base = new long[200];
        for (int i = 0; i < base.length; i++) {
            base[i] = SchedulerHarness.probeOnce(vertx, ep(fakes.get(i % n)), s).latencyMicros();
        }
        Arrays.sort(base);
        double secs = (t1 - t0) / 1e9;
        System.out.printf("servers=%d level=%s interval=%dms window=%.1fs%n", n, level, interval, secs);
        System.out.printf("probes/s sustained: %.0f (expected %.0f), failed: %d%n", (p1 - p0) / secs, n * 1000.0 / interval, f1 - f0);
        System.out.printf("probe latency us: p50=%d p99=%d max=%d | single idle probe p50=%d p99=%d | overhead p50=%d us%n",
                pct(window, 50), pct(window, 99), window.length == 0 ? 0 : window[window.length - 1], pct(base, 50), pct(base, 99),
                pct(window, 50) - pct(base, 50));
        System.out.printf("RSS: %d MB before probing, %d MB while probing (prober + %d responders in one JVM); heap used %d MB%n",
                rssBefore / 1024, rss / 1024, n, (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
        vertx.close().await();
        responders.close().await();
        System.exit(0);
    }

    static Endpoint ep(FakeVideoServer f) {
        return new Endpoint(Ipv4Address.parse("127.0.0.1"), f.rtmpPort(), f.httpPort());
    }

    static long pct(long[] sorted, int p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
    }

    static long rssKb() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
