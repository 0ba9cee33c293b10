package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.health.testing.FakeVideoServer;
import io.videolb.health.testing.HealthTopic;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicAdmin;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, "broker unreachable for health-service": a broker of its own (not the shared one) is stopped
 * under a running health-service. Probing goes on (the probe count keeps rising, on the event loop that
 * never blocks on a Kafka send: verdicts and heartbeats queue on the publisher thread, one per key), and
 * {@code /health} answers within 1 s every time. The broker started again on the same port and data: the
 * queued records are delivered (the published count rises again) without a restart of the service.
 */
class BrokerAwayIT {
    @TempDir
    Path tmp;

    EmbeddedKafkaBroker broker;
    ServiceRuntime runtime;
    Vertx vertx;
    FakeVideoServer fake;

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (fake != null) fake.close();
        if (vertx != null) vertx.close().await();
        if (broker != null) broker.close();
    }

    EmbeddedKafkaBroker startBroker(Path dir, int port, int controller) {
        return EmbeddedKafkaBroker.builder()
                .dataDir(dir)
                .deleteDataDirOnClose(false)
                .port(port)
                .controllerPort(controller)
                .quietLogging(true)
                .startupTimeout(Duration.ofSeconds(120))
                .start();
    }

    long probes() {
        long n = 0;
        for (Meter m : runtime.registry().getMeters())
            if (m.getId().getName().equals("videolb.health.probe") && m instanceof Timer t) n += t.count();
        return n;
    }

    double published() {
        return runtime.registry()
                .get("videolb.health.published")
                .functionCounter()
                .count();
    }

    static long healthAnswerMs(HttpClient client, int port) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).as(r.body()).isIn(200, 503);
        return ms;
    }

    @Test
    void probingAndHealthGoOnWhileTheBrokerIsAwayAndPublishingResumesWhenItIsBack() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("kafka"));
        int port = EmbeddedKafkaBroker.freeLoopbackPort();
        int controller = EmbeddedKafkaBroker.freeLoopbackPort();
        broker = startBroker(data, port, controller);
        Topics topics = SharedBroker.uniqueTopics("broker-away");
        TopicAdmin.ensure(
                KafkaSettings.of(broker.bootstrapServers(), "it-admin"),
                topics,
                io.videolb.kafka.TopicReplication.SINGLE);
        Ipv4Address server = Ipv4Address.parse("198.51.100.1");
        HealthTopic.publishDesired(
                broker.bootstrapServers(),
                topics,
                HealthTopic.state(Map.of(1L, List.of(server.toString())), Map.of()),
                1);
        vertx = Vertx.vertx();
        fake = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
        runtime = ServiceRuntime.create();
        HealthService hs = runtime.deploy(new HealthService(
                HealthServiceSettings.builder()
                        .bootstrap(broker.bootstrapServers())
                        .topics(topics)
                        .checkerId("hs-broker-away")
                        .httpPort(0)
                        .defaults(ProbeSettings.DEFAULT
                                .withLevel(ProbeLevel.TCP)
                                .withTiming(Duration.ofMillis(200), Duration.ofMillis(150), 1, 2, Duration.ZERO))
                        .endpoints(Map.of(
                                server, new Endpoint(Ipv4Address.parse("127.0.0.1"), fake.rtmpPort(), fake.httpPort())))
                        .refreshInterval(Duration.ofMillis(500))
                        .heartbeat(Duration.ofMillis(200))
                        .build(),
                runtime));
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((published() < 3 || probes() < 5) && System.nanoTime() < end) Thread.sleep(100);
        assertThat(hs.probedServers()).isEqualTo(1);
        assertThat(published())
                .as("verdicts and heartbeats published while the broker is up")
                .isGreaterThanOrEqualTo(3);

        HttpClient client = HttpClient.newHttpClient();
        System.out.printf(
                "FIGURE /health with the broker up (first call of the client): %d ms%n",
                healthAnswerMs(client, hs.httpPort()));
        broker.close();
        broker = null;
        long probesAtStop = probes();
        double publishedAtStop = published();
        long worstHealthMs = 0;
        List<Long> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) { // 10 s without a broker
            Thread.sleep(500);
            long ms = healthAnswerMs(client, hs.httpPort());
            answers.add(ms);
            worstHealthMs = Math.max(worstHealthMs, ms);
        }
        System.out.println("FIGURE /health answer times with the broker away (ms): " + answers);
        long probesAway = probes() - probesAtStop;
        System.out.printf(
                "FIGURE broker away 10 s: %d probes (interval 200 ms), slowest /health %d ms, published %.0f -> %.0f%n",
                probesAway, worstHealthMs, publishedAtStop, published());
        assertThat(probesAway).as("probing went on (about 50 expected)").isGreaterThanOrEqualTo(30);
        assertThat(worstHealthMs).as("/health answered within 1 s every time").isLessThan(1_000);

        broker = startBroker(data, port, controller);
        double publishedAway = published();
        end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (published() <= publishedAway + 2 && System.nanoTime() < end) Thread.sleep(200);
        System.out.printf("FIGURE broker back: published %.0f -> %.0f%n", publishedAway, published());
        long probesBack = probes();
        Thread.sleep(3_000);
        System.out.printf(
                "FIGURE broker back: %d probes in 3 s, probing %d server(s)%n",
                probes() - probesBack, hs.probedServers());
        assertThat(published()).as("publishing resumed by itself").isGreaterThan(publishedAway + 2);
        assertThat(healthAnswerMs(client, hs.httpPort())).isLessThan(1_000);
    }
}
