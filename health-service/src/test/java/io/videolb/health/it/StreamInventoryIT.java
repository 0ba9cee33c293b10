package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.videolb.health.inventory.StreamInventory;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.InventoryPoller;
import io.videolb.health.testing.NginxRtmp;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.Ipv4Address;
import io.videolb.threads.NamedThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, stream inventory: the stats page of a real nginx-rtmp fed by ffmpeg on loopback is read every
 * interval; it lists what ffmpeg publishes and the viewer an ffmpeg player adds, and a stopped stream is gone
 * within one interval. A loopback HTTP server that answers 10 MB, garbage XML or nothing gives a bounded unknown
 * with a clear reason, and reading it again and again leaves the heap as it was.
 */
class StreamInventoryIT {
    static final long INTERVAL_MS = 1_000;
    static final long TIMEOUT_MS = 800;
    static final Ipv4Address SERVER = Ipv4Address.parse("198.51.100.10");

    static NginxRtmp nginx;
    static Vertx vertx;
    ServerSocket hostile;

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

    @AfterEach
    void closeHostile() throws IOException {
        if (hostile != null) hostile.close();
    }

    static Set<String> publishing(InventoryResult r) {
        return r.known() ? Set.copyOf(r.inventory().publishingPaths()) : Set.of();
    }

    static int viewers(InventoryResult r, String path) {
        return r.inventory().streams().stream()
                .filter(s -> s.path().equals(path))
                .mapToInt(StreamInventory.Stream::viewers)
                .sum();
    }

    /** Waits (bounded) for the poller's latest result for SERVER to satisfy {@code ok}; returns it. */
    static InventoryResult await(InventoryPoller poller, Predicate<InventoryResult> ok, long timeoutMs, String what)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        InventoryResult last = null;
        while (System.currentTimeMillis() < deadline) {
            last = poller.latest().get(SERVER);
            if (last != null && ok.test(last)) return last;
            Thread.sleep(20);
        }
        throw new AssertionError("no inventory with " + what + " within " + timeoutMs + " ms; last: " + last);
    }

    @Test
    void theInventoryListsWhatFfmpegPublishesWithItsViewerAndAStoppedStreamIsGoneWithinOneInterval() throws Exception {
        Process cam1 = nginx.startPublisher("cam1");
        Process cam2 = nginx.startPublisher("cam2");
        Context ctx = vertx.getOrCreateContext();
        Prober prober = SchedulerHarness.proberOn(vertx, ctx);
        try (InventoryPoller poller =
                new InventoryPoller(vertx, ctx, prober, INTERVAL_MS, TIMEOUT_MS, InventoryPoller.Listener.NONE)) {
            poller.setTargets(
                    Map.of(SERVER, new InventoryPoller.StatsEndpoint("127.0.0.1", nginx.httpPort, nginx.statPath())));
            Set<String> all = Set.of("live/test", "live/cam1", "live/cam2");
            InventoryResult r = await(poller, x -> publishing(x).equals(all), 30_000, "all three publishing");
            assertThat(r.inventory().streams())
                    .allSatisfy(s -> assertThat(s.viewers()).isZero());

            Process viewer = nginx.startViewer("cam1");
            r = await(poller, x -> x.known() && viewers(x, "live/cam1") == 1, 20_000, "one viewer on live/cam1");
            System.out.printf(
                    "FIGURE inventory of a real nginx-rtmp: %s, server bw_out %d bit/s%n",
                    r.inventory().streams().stream()
                            .map(s -> s.path() + (s.publishing() ? " publishing" : "") + " viewers=" + s.viewers()
                                    + " bw_out=" + s.bwOutBitsPerSecond())
                            .collect(Collectors.joining(", ")),
                    r.inventory().bwOutBitsPerSecond());
            assertThat(publishing(r)).isEqualTo(all);
            assertThat(viewers(r, "live/cam2")).isZero();
            assertThat(viewers(r, "live/test")).isZero();

            NginxRtmp.stop(cam2);
            long t0 = System.currentTimeMillis();
            r = await(
                    poller,
                    x -> x.known()
                            && x.inventory().streams().stream()
                                    .noneMatch(s -> s.name().equals("cam2")),
                    10_000,
                    "live/cam2 gone");
            long took = System.currentTimeMillis() - t0;
            System.out.printf(
                    "FIGURE stopped stream live/cam2 gone from the inventory after %d ms (interval %d ms)%n",
                    took, INTERVAL_MS);
            assertThat(publishing(r)).containsExactlyInAnyOrder("live/test", "live/cam1");
            // one interval, plus the read itself (at most its timeout) and slack for a loaded machine
            assertThat(took).isLessThan(INTERVAL_MS + TIMEOUT_MS + 1_500);
            NginxRtmp.stop(viewer);
            NginxRtmp.stop(cam1);
        } finally {
            ctx.runOnContext(v -> prober.close());
        }
    }

    @Test
    void healthServicePublishesTheInventoryOfARealNginxRtmpOnTheHealthTopic() throws Exception {
        String bootstrap = io.videolb.testsupport.kafka.SharedBroker.bootstrapServers();
        io.videolb.events.Topics topics = io.videolb.testsupport.kafka.SharedBroker.freshTopics("inventory");
        io.videolb.health.testing.HealthTopic.publishDesired(
                bootstrap,
                topics,
                io.videolb.health.testing.HealthTopic.state(Map.of(1L, java.util.List.of(SERVER.toString())), Map.of()),
                1);
        io.videolb.health.HealthServiceSettings settings = io.videolb.health.HealthServiceSettings.builder()
                .bootstrap(bootstrap)
                .topics(topics)
                .checkerId("inventory-it")
                .httpPort(0)
                .defaults(io.videolb.health.ProbeSettings.DEFAULT
                        .withLevel(io.videolb.events.ProbeLevel.RTMP)
                        .withTiming(
                                java.time.Duration.ofMillis(INTERVAL_MS),
                                java.time.Duration.ofMillis(TIMEOUT_MS),
                                1,
                                1,
                                java.time.Duration.ZERO))
                .endpoints(Map.of(
                        SERVER,
                        new io.videolb.health.Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort)))
                .statsUrl(io.videolb.health.StatsUrl.parse("http://{ip}:" + nginx.httpPort + nginx.statPath()))
                .build();
        try (io.videolb.runtime.ServiceRuntime runtime = io.videolb.runtime.ServiceRuntime.create()) {
            runtime.deploy(new io.videolb.health.HealthService(settings, runtime));
            long deadline = System.currentTimeMillis() + 30_000;
            io.videolb.events.ServerStreams found = null;
            while (found == null && System.currentTimeMillis() < deadline) {
                for (io.videolb.events.ServerStreams s :
                        io.videolb.health.testing.HealthTopic.readInventories(bootstrap, topics))
                    if (s.server().equals(SERVER) && s.publishingPaths().contains("live/test")) found = s;
                if (found == null) Thread.sleep(300);
            }
            assertThat(found)
                    .as("inventory/198.51.100.10 with live/test publishing within 30 s")
                    .isNotNull();
            System.out.printf("FIGURE inventory record on the health topic: %s%n", found);
            assertThat(found.known()).isTrue();
            assertThat(found.checkerId()).isEqualTo("inventory-it");
            assertThat(found.key()).isEqualTo("inventory/198.51.100.10");
            assertThat(io.videolb.health.testing.HealthTopic.unreadable(bootstrap, topics))
                    .as("every reader's fold reads every record of the topic")
                    .isZero();
        }
    }

    interface Answer {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    /** A loopback HTTP server answering every connection with {@code answer} on its own thread. */
    int serve(Answer answer) throws IOException {
        hostile = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket server = hostile;
        Thread acceptor = NamedThreads.thread("it-stat-acceptor", () -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                NamedThreads.thread("it-stat-conn", () -> {
                            try (s) {
                                s.getInputStream().read(new byte[4096]);
                                answer.write(s.getOutputStream());
                                s.getOutputStream().flush();
                            } catch (IOException e) {
                                // reset by the reader
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .start();
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }

    static void tenMbChunked(OutputStream out) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        byte[] chunk = new byte[64 << 10];
        java.util.Arrays.fill(chunk, (byte) ' ');
        byte[] head = "<rtmp><server>".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, chunk, 0, head.length);
        byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        for (long sent = 0; sent < (10L << 20); sent += chunk.length) {
            out.write(size);
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    InventoryResult readOnce(Prober[] prober, int port, long timeoutMs) {
        Promise<InventoryResult> p = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> {
            if (prober[0] == null) prober[0] = new Prober(vertx, Prober.StepRecorder.NONE);
            prober[0].streamInventory("127.0.0.1", port, "/stat", timeoutMs).onComplete(p);
        });
        return p.future().await();
    }

    @Test
    void tenMegabytesOfStatsIsABoundedUnknownAndReadingItAgainLeavesTheHeapAsItWas() throws Exception {
        int port = serve(StreamInventoryIT::tenMbChunked);
        Prober[] prober = new Prober[1];
        try {
            long t0 = System.nanoTime();
            InventoryResult r = readOnce(prober, port, 5_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("FIGURE 10 MB stats page -> unknown in %d ms: %s%n", ms, r.unknownReason());
            assertThat(r.known()).isFalse();
            assertThat(r.unknownReason())
                    .startsWith("rtmp_stat larger than " + Prober.maxStatsBytes() + " bytes (request reset after");
            assertThat(r.unknownReason().length()).as("a bounded reason").isLessThan(200);
            assertThat(prober[0].largestHttpBodyHeld()).isLessThanOrEqualTo(Prober.maxStatsBytes());

            long before = usedAfterGc();
            for (int i = 0; i < 10; i++)
                assertThat(readOnce(prober, port, 5_000).known()).isFalse();
            long after = usedAfterGc();
            System.out.printf(
                    "FIGURE 10 reads of a 10 MB stats page: heap after GC %d -> %d KiB; bytes read %d (cap %d per read)%n",
                    before >> 10, after >> 10, prober[0].httpBodyBytesRead(), Prober.maxStatsBytes());
            assertThat(after - before).as("heap growth after GC").isLessThan(Prober.maxStatsBytes());
            assertThat(prober[0].httpBodyBytesRead()).isLessThanOrEqualTo(11L * (Prober.maxStatsBytes() + (64 << 10)));
        } finally {
            if (prober[0] != null) vertx.getOrCreateContext().runOnContext(v -> prober[0].close());
        }
    }

    @Test
    void garbageXmlIsAnUnknownNamingWhereItBroke() throws Exception {
        String body = "<rtmp><server><application>\n<name>live</name></rtmp>";
        int port = serve(out -> out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII)));
        Prober[] prober = new Prober[1];
        try {
            InventoryResult r = readOnce(prober, port, 5_000);
            System.out.printf("FIGURE garbage XML -> unknown: %s%n", r.unknownReason());
            assertThat(r.known()).isFalse();
            assertThat(r.unknownReason())
                    .startsWith("rtmp_stat from 127.0.0.1:" + port + "/stat: not well-formed XML at line 2");
        } finally {
            if (prober[0] != null) vertx.getOrCreateContext().runOnContext(v -> prober[0].close());
        }
    }

    @Test
    void aServerThatAnswersNothingIsAnUnknownAtTheTimeout() throws Exception {
        int port = serve(out -> Thread.sleep(10_000)); // accepts, reads the request, says nothing (bounded)
        Prober[] prober = new Prober[1];
        try {
            long t0 = System.nanoTime();
            InventoryResult r = readOnce(prober, port, 500);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf(
                    "FIGURE silent stats server (timeout 500 ms) -> unknown in %d ms: %s%n", ms, r.unknownReason());
            assertThat(r.known()).isFalse();
            assertThat(r.unknownReason()).isEqualTo("no rtmp_stat from 127.0.0.1:" + port + "/stat within 500 ms");
            assertThat(ms).isLessThan(3_000);

            // and one that closes without a byte
            hostile.close();
            int closing = serve(out -> {});
            InventoryResult closed = readOnce(prober, closing, 2_000);
            System.out.printf("FIGURE stats server closing at once -> unknown: %s%n", closed.unknownReason());
            assertThat(closed.known()).isFalse();
            assertThat(closed.unknownReason()).startsWith("rtmp_stat GET 127.0.0.1:" + closing + "/stat failed: ");
        } finally {
            if (prober[0] != null) vertx.getOrCreateContext().runOnContext(v -> prober[0].close());
        }
    }

    static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
