package io.videolb.health.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
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
 * <p>Args: [servers=1000] [level=HLS] [intervalMs=1000] [seconds=20] [responders=separate|inproc] [rtmpApp].
 * {@code separate} (default) runs the responders in a second JVM ({@link Responders}, started with a
 * ProcessBuilder argument list, ended by PID at the end), so the printed RSS (VmRSS of
 * /proc/self/status) is the probing JVM's alone; {@code inproc} runs them in this JVM (an upper
 * bound, the old figure). With {@code rtmpApp} the probes also send the AMF0 connect and the
 * responders answer {@code _result}.
 */
public final class ProbeBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        ProbeLevel level = args.length > 1 ? ProbeLevel.valueOf(args[1]) : ProbeLevel.HLS;
        long interval = args.length > 2 ? Long.parseLong(args[2]) : 1000;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 20;

        boolean separate = args.length <= 4 || !args[4].equals("inproc");
        String app = args.length > 5 ? args[5] : null;

        Vertx responders = null;
        Process child = null;
        List<Endpoint> eps = new ArrayList<>();
        if (separate) {
            child = startResponders(n, seconds + 300L, app, eps);
        } else {
            responders = Vertx.vertx();
            for (int i = 0; i < n; i++) {
                FakeVideoServer f = FakeVideoServer.start(responders, "127.0.0.1", 0, 0);
                f.connectAnswer = app == null ? null : "_result";
                eps.add(ep(f));
            }
        }
        try {
            run(n, level, interval, seconds, app, eps, separate, child);
        } finally {
            if (child != null) stop(child);
            if (responders != null) responders.close().await();
        }
        System.exit(0);
    }

    static void run(
            int n,
            ProbeLevel level,
            long interval,
            int seconds,
            String app,
            List<Endpoint> eps,
            boolean separate,
            Process child)
            throws Exception {
        ProbeSettings s = ProbeSettings.DEFAULT
                .withLevel(level)
                .withHlsPath("/live/x.m3u8")
                .withTiming(
                        Duration.ofMillis(interval), Duration.ofMillis(Math.min(interval, 900)), 2, 2, Duration.ZERO)
                .withRtmpApp(app);

        Vertx vertx = Vertx.vertx();
        Context ctx = vertx.getOrCreateContext();
        Prober prober = new Prober(vertx, Prober.StepRecorder.NONE);
        System.gc();
        Thread.sleep(2_000);
        long rssBefore = rssKb(); // idle: Vert.x, prober and scheduler made, nothing probed yet
        AtomicLong probes = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        Map<String, AtomicLong> reasons = new java.util.concurrent.ConcurrentHashMap<>();
        long[] lat = new long
                [(int) Math.min(
                        4_000_000L,
                        (long) n
                                * (seconds + 10)
                                * 1000
                                / interval
                                * 2)]; // sized to the run: the array is benchmark overhead in the measured RSS
        AtomicLong idx = new AtomicLong();
        ProbeScheduler.Observer obs = new ProbeScheduler.Observer() {
            @Override
            public void probed(Target t, ProbeResult r) {
                probes.incrementAndGet();
                if (!r.ok()) {
                    failures.incrementAndGet();
                    reasons.computeIfAbsent(r.reason().replaceAll("[0-9]+", "N"), k -> new AtomicLong())
                            .incrementAndGet();
                }
                long i = idx.getAndIncrement();
                if (i < lat.length) lat[(int) i] = r.latencyMicros();
            }

            @Override
            public void transition(Target t, HealthVerdict v) {}
        };
        VerdictSink sink = new VerdictSink() {
            @Override
            public void verdict(HealthVerdict v) {}

            @Override
            public void checker(CheckerStatus c) {}

            @Override
            public void checkerGone(String checkerId) {}
        };
        ProbeScheduler sch =
                new ProbeScheduler(vertx, ctx, prober, sink, SequenceClock.system(), "bench", 1.0, null, 60_000, obs);
        Map<Ipv4Address, Target> targets = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Ipv4Address a = new Ipv4Address(Ipv4Address.parse("10.0.0.0").bits() + i);
            targets.put(a, new Target(a, eps.get(i), s));
        }
        sch.run(x -> x.setTargets(targets, Map.of()));
        Thread.sleep(Math.max(interval + 500, 5_000)); // warm-up: every server probed, JIT of both JVMs warm
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
            base[i] = SchedulerHarness.probeOnce(vertx, eps.get(i % n), s).latencyMicros();
        }
        Arrays.sort(base);
        double secs = (t1 - t0) / 1e9;
        System.out.printf(
                "servers=%d level=%s rtmpApp=%s interval=%dms window=%.1fs responders=%s%n",
                n, level, app, interval, secs, separate ? "separate JVM (pid " + child.pid() + ")" : "in this JVM");
        System.out.printf(
                "probes/s sustained: %.0f (expected %.0f), failed: %d%n",
                (p1 - p0) / secs, n * 1000.0 / interval, f1 - f0);
        System.out.printf(
                "probe latency us: p50=%d p99=%d max=%d | single idle probe p50=%d p99=%d | overhead p50=%d us%n",
                pct(window, 50),
                pct(window, 99),
                window.length == 0 ? 0 : window[window.length - 1],
                pct(base, 50),
                pct(base, 99),
                pct(window, 50) - pct(base, 50));
        System.out.printf(
                "RSS of the probing JVM: %d MB idle, %d MB while probing %d servers%s; heap used %d MB, committed %d MB, max %d MB%n",
                rssBefore / 1024,
                rss / 1024,
                n,
                separate ? "" : " (responders in the same JVM: upper bound)",
                (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20,
                Runtime.getRuntime().totalMemory() >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
        reasons.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().get(), a.getValue().get()))
                .limit(3)
                .forEach(e -> System.out.printf(
                        "  failures (whole run): %d x %s%n", e.getValue().get(), e.getKey()));
        if (separate)
            System.out.printf("RSS of the responders JVM (not the service): %d MB%n", rssKb(child.pid()) / 1024);
        vertx.close().await();
    }

    /** Starts {@link Responders} in a second JVM (argument list, same java and classpath); reads its ports, bounded by 120 s. */
    static Process startResponders(int n, long maxSeconds, String app, List<Endpoint> eps) throws Exception {
        String javaBin = ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(
                javaBin,
                "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp",
                System.getProperty("java.class.path"),
                Responders.class.getName(),
                Integer.toString(n),
                Long.toString(maxSeconds)));
        if (app != null) cmd.add("_result");
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        java.util.concurrent.CompletableFuture<String> line = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new java.io.BufferedReader(new java.io.InputStreamReader(
                                p.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
                        .readLine();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String ready;
        try {
            ready = line.get(120, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            stop(p);
            throw new IllegalStateException("responders (pid " + p.pid() + ") not ready in 120 s", e);
        }
        if (ready == null || !ready.startsWith("READY ")) {
            stop(p);
            throw new IllegalStateException("responders (pid " + p.pid() + ") said: " + ready);
        }
        for (String pair : ready.substring(6).trim().split(" ")) {
            String[] rh = pair.split(":");
            eps.add(new Endpoint(Ipv4Address.parse("127.0.0.1"), Integer.parseInt(rh[0]), Integer.parseInt(rh[1])));
        }
        if (eps.size() != n) {
            stop(p);
            throw new IllegalStateException("responders announced " + eps.size() + " of " + n + " servers");
        }
        return p;
    }

    /** Ends the responders JVM by its PID: TERM, then KILL after 5 s. */
    static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    static Endpoint ep(FakeVideoServer f) {
        return new Endpoint(Ipv4Address.parse("127.0.0.1"), f.rtmpPort(), f.httpPort());
    }

    static long pct(long[] sorted, int p) {
        if (sorted.length == 0) return 0;
        return sorted[Math.min(sorted.length - 1, (int) ((long) sorted.length * p / 100))];
    }

    static long rssKb() throws Exception {
        return rssKb(-1);
    }

    /** VmRSS in kB of a process ({@code pid < 0}: this one) from /proc/PID/status. */
    static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc", pid < 0 ? "self" : Long.toString(pid), "status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        return -1;
    }
}
