package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.videolb.events.ProbeLevel;
import io.videolb.events.ServerStreams;
import io.videolb.events.Topics;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.health.StatsUrl;
import io.videolb.health.inventory.DrainHandover;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.InventoryPoller;
import io.videolb.health.testing.HealthTopic;
import io.videolb.health.testing.NginxRtmp;
import io.videolb.health.testing.SchedulerHarness;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Maintenance;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import io.videolb.threads.NamedThreads;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, drains that hand viewers over (decision 96): a real nginx-rtmp (with {@code rtmp_control}) fed by
 * ffmpeg on loopback, real ffmpeg players. A server put in maintenance through desired state has its
 * subscribers dropped by the health service at the record's deadline: the players (ffmpeg) see the disconnect
 * and exit, measured from the deadline; the publisher stays; the outcome is in {@code /health} and on
 * the service's {@code /metrics} ({@code videolb_health_drain_handover_total{result="ok"}} 1, 3 subscribers dropped).
 * A control endpoint that hangs or answers 500 gives a bounded, reported failure, told to the listener.
 */
class DrainHandoverIT {
    static final long INTERVAL_MS = 1_000;
    static final long TIMEOUT_MS = 800;
    static final Ipv4Address SERVER = Ipv4Address.parse("198.51.100.10");

    static NginxRtmp nginx;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxRtmp.startOrFail();
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) nginx.close();
    }

    @Test
    void atTheDeadlineTheHealthServiceDropsTheSubscribersLeftAndTheirPlayersSeeTheDisconnect() throws Exception {
        Process cam1 = nginx.startPublisher("cam1");
        String bootstrap = SharedBroker.bootstrapServers();
        Topics topics = SharedBroker.freshTopics("handover");
        DesiredState state = HealthTopic.state(Map.of(1L, List.of(SERVER.toString())), Map.of());
        HealthTopic.publishDesired(bootstrap, topics, state, 1);
        HealthServiceSettings settings = HealthServiceSettings.builder()
                .bootstrap(bootstrap)
                .topics(topics)
                .checkerId("handover-it")
                .httpPort(0)
                .defaults(ProbeSettings.DEFAULT
                        .withLevel(ProbeLevel.RTMP)
                        .withTiming(Duration.ofMillis(INTERVAL_MS), Duration.ofMillis(TIMEOUT_MS), 1, 1, Duration.ZERO))
                .endpoints(Map.of(SERVER, new Endpoint(Ipv4Address.parse("127.0.0.1"), nginx.rtmpPort, nginx.httpPort)))
                .statsUrl(StatsUrl.parse("http://{ip}:" + nginx.httpPort + nginx.statPath()))
                .controlUrl(StatsUrl.parseControl("http://{ip}:" + nginx.httpPort + nginx.controlPath()))
                .build();
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            HealthService hs = runtime.deploy(new HealthService(settings, runtime));
            Process v1 = nginx.startViewer("cam1");
            Process v2 = nginx.startViewer("cam1");
            Process v3 = nginx.startViewer("test");
            // the service's inventory counts the three viewers (as published on the health topic)
            long until = System.currentTimeMillis() + 30_000;
            ServerStreams seen = null;
            while (seen == null && System.currentTimeMillis() < until) {
                for (ServerStreams s : HealthTopic.readInventories(bootstrap, topics))
                    if (s.server().equals(SERVER) && s.known() && viewers(s) == 3) seen = s;
                if (seen == null) Thread.sleep(300);
            }
            assertThat(seen).as("inventory with 3 viewers within 30 s").isNotNull();

            long deadline = System.currentTimeMillis() + 2_000;
            HealthTopic.publishDesired(
                    bootstrap,
                    topics,
                    state.withMaintenance(SERVER, new Maintenance(SERVER, System.currentTimeMillis(), deadline, "it")),
                    2);
            Thread.sleep(Math.max(0, deadline - 300 - System.currentTimeMillis()));
            assertThat(List.of(v1, v2, v3))
                    .as("no viewer dropped before the deadline")
                    .allSatisfy(p -> assertThat(p.isAlive()).isTrue());
            long[] exitedAfter = new long[3];
            Process[] viewers = {v1, v2, v3};
            for (int i = 0; i < 3; i++) {
                assertThat(viewers[i].waitFor(
                                Math.max(1, deadline + 10_000 - System.currentTimeMillis()), TimeUnit.MILLISECONDS))
                        .as("viewer %d (ffmpeg) exits within 10 s of the deadline", i + 1)
                        .isTrue();
                exitedAfter[i] = System.currentTimeMillis() - deadline;
            }
            long worst = Math.max(exitedAfter[0], Math.max(exitedAfter[1], exitedAfter[2]));
            System.out.printf(
                    "FIGURE drain handover: 3 ffmpeg players saw the disconnect %d, %d, %d ms after the deadline%n",
                    exitedAfter[0], exitedAfter[1], exitedAfter[2]);
            assertThat(worst).isLessThan(TIMEOUT_MS + 1_500);
            assertThat(cam1.isAlive())
                    .as("the publisher is not a subscriber: it stays")
                    .isTrue();

            JsonObject health = new JsonObject(client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hs.httpPort() + "/health"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body());
            JsonArray done = health.getJsonArray("drainHandovers");
            System.out.printf("FIGURE /health drainHandovers: %s%n", done.encode());
            assertThat(done.size()).isEqualTo(1);
            JsonObject o = done.getJsonObject(0);
            assertThat(o.getString("server")).isEqualTo(SERVER.toString());
            assertThat(o.getLong("deadlineAtMs")).isEqualTo(deadline);
            assertThat(o.getInteger("dropped")).isEqualTo(3);
            assertThat(o.getBoolean("ok")).isTrue();
            assertThat(o.getLong("startedAtMs")).isBetween(deadline, deadline + 1_000);

            // the same handover on /metrics (decision 109): one ok, none failed or late, the 3 subscribers dropped
            String metrics = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hs.httpPort() + "/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(sample(metrics, "videolb_health_drain_handover_total", "result=\"ok\""))
                    .isEqualTo(1.0);
            assertThat(sample(metrics, "videolb_health_drain_handover_total", "result=\"failed\""))
                    .isEqualTo(0.0);
            assertThat(sample(metrics, "videolb_health_drain_handover_total", "result=\"late\""))
                    .isEqualTo(0.0);
            assertThat(sample(metrics, "videolb_health_drain_handover_subscribers_dropped_total", "service="))
                    .isEqualTo(3.0);
        } finally {
            NginxRtmp.stop(cam1);
        }
    }

    /** The value of the one sample of {@code family} whose labels contain {@code label}; fails when not exactly one. */
    static double sample(String scrape, String family, String label) {
        List<Double> found = new ArrayList<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith(family + "{")) continue;
            int close = line.indexOf('}');
            if (!line.substring(0, close).contains(label)) continue;
            found.add(Double.parseDouble(line.substring(close + 1).trim()));
        }
        assertThat(found).as(family + " with " + label + " in\n" + scrape).hasSize(1);
        return found.get(0);
    }

    static int viewers(ServerStreams s) {
        return s.streams().stream().mapToInt(ServerStreams.Stream::viewers).sum();
    }

    @Test
    void aControlEndpointThatHangsOrAnswers500IsBoundedAndReported() throws Exception {
        Vertx vertx = Vertx.vertx();
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int hang = serve(sockets, null);
            int fails = serve(
                    sockets, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            Context ctx = vertx.getOrCreateContext();
            Prober prober = SchedulerHarness.proberOn(vertx, ctx);
            try (InventoryPoller poller =
                    new InventoryPoller(vertx, ctx, prober, INTERVAL_MS, TIMEOUT_MS, InventoryPoller.Listener.NONE)) {
                poller.setTargets(Map.of(
                        SERVER, new InventoryPoller.StatsEndpoint("127.0.0.1", nginx.httpPort, nginx.statPath())));
                long until = System.currentTimeMillis() + 20_000;
                InventoryResult r = null;
                // the inventory lists live/test (nginx's own ffmpeg) once that publishes
                while ((r == null
                                || !r.known()
                                || !r.inventory().publishingPaths().contains("live/test"))
                        && System.currentTimeMillis() < until) {
                    Thread.sleep(50);
                    r = poller.latest(SERVER);
                }
                assertThat(r).isNotNull();
                assertThat(r.known()).isTrue();
                assertThat(r.inventory().publishingPaths()).contains("live/test");
                for (int port : new int[] {hang, fails}) {
                    List<DrainHandover.Outcome> told = new java.util.concurrent.CopyOnWriteArrayList<>();
                    DrainHandover h = new DrainHandover(
                            vertx,
                            prober::dropSubscribers,
                            TIMEOUT_MS,
                            System::currentTimeMillis,
                            poller::latest,
                            new DrainHandover.Listener() {
                                @Override
                                public void finished(DrainHandover.Outcome o) {
                                    told.add(o);
                                }

                                @Override
                                public void late(Ipv4Address server, long deadlineAtMs) {
                                    throw new AssertionError("not late: " + server);
                                }
                            });
                    long deadline = System.currentTimeMillis() + 200;
                    ctx.runOnContext(v -> h.update(
                            Map.of(SERVER, new Maintenance(SERVER, deadline - 1_000, deadline, "it")),
                            Map.of(SERVER, new InventoryPoller.StatsEndpoint("127.0.0.1", port, "/control"))));
                    long waitUntil = deadline + 10_000;
                    while (h.outcomes().isEmpty() && System.currentTimeMillis() < waitUntil) Thread.sleep(20);
                    assertThat(h.outcomes()).hasSize(1);
                    DrainHandover.Outcome o = h.outcomes().get(0);
                    long reportedAfter = System.currentTimeMillis() - deadline;
                    System.out.printf(
                            "FIGURE drain handover against a control endpoint that %s: reported after %d ms"
                                    + " (drops took %d ms, timeout %d ms): %s%n",
                            port == hang ? "hangs" : "answers 500",
                            reportedAfter,
                            o.tookMs(),
                            TIMEOUT_MS,
                            o.failures());
                    assertThat(o.ok()).isFalse();
                    assertThat(o.dropped()).isZero();
                    assertThat(o.streams()).isEqualTo(o.failures().size()).isPositive();
                    assertThat(o.tookMs()).isLessThan(TIMEOUT_MS + 500);
                    assertThat(told)
                            .as("the listener (the service's counters) is told")
                            .containsExactly(o);
                    if (port == hang)
                        assertThat(o.failures())
                                .allSatisfy(f -> assertThat(f).contains("within " + TIMEOUT_MS + " ms"));
                    else assertThat(o.failures()).allSatisfy(f -> assertThat(f).contains("answered HTTP 500"));
                }
            } finally {
                ctx.runOnContext(v -> prober.close());
            }
        } finally {
            for (ServerSocket s : sockets) s.close();
            vertx.close().await();
        }
    }

    /** A loopback HTTP server: answers {@code answer} to every request, or (null) reads and never answers. */
    static int serve(List<ServerSocket> sockets, String answer) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        sockets.add(server);
        Thread acceptor = NamedThreads.thread("it-control-acceptor", () -> {
            List<Socket> held = new ArrayList<>();
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    break;
                }
                held.add(s);
                NamedThreads.thread("it-control-conn", () -> {
                            try {
                                s.getInputStream().read(new byte[4096]);
                                if (answer != null) {
                                    s.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
                                    s.getOutputStream().flush();
                                    s.close();
                                }
                            } catch (IOException e) {
                                // reset by the reader
                            }
                        })
                        .start();
            }
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return server.getLocalPort();
    }
}
