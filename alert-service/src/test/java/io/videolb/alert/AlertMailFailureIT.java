package io.videolb.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.vertx.core.json.JsonObject;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.mail.SmtpMailSender;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.events.Verdict;
import io.videolb.json.Json;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail never lost when the relay fails (issue 12): a relay that refuses permanently (a real SMTP peer on a loopback
 * socket answering 550) and a relay that is blackholed (accepts TCP, never answers), against the shared embedded
 * broker and GreenMail (plain SMTP on loopback) as the relay that works.
 */
class AlertMailFailureIT {
    private static final MailAddress OPERATOR = MailAddress.parse("ops@example.com");
    private static final Ipv4Address S11 = Ipv4Address.parse("192.0.2.11");
    private static final Ipv4Address S12 = Ipv4Address.parse("192.0.2.12");

    @TempDir
    Path tmp;

    private Topics topics;
    private KafkaProducer<String, String> producer;
    private final Map<AlertService, ServiceRuntime> processes = new HashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<GreenMail> greenMails = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong(1);

    @BeforeEach
    void setUp() {
        topics = SharedBroker.uniqueTopics("alertfail");
        AlertService.ensureTopics(
                SharedBroker.settings("alertfail-it-admin"), topics, io.videolb.kafka.TopicReplication.SINGLE);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    @AfterEach
    void tearDown() throws Exception {
        processes.values().forEach(ServiceRuntime::close);
        for (AutoCloseable c : closing) c.close();
        greenMails.forEach(GreenMail::stop);
        producer.close(Duration.ofSeconds(5));
    }

    // ------------------------------------------------------------------------------------ 550

    @Test
    void aMailRefusedWith550IsDeadLetteredKeptAcrossARestartAndDeliveredOnceOnRetry() throws Exception {
        int port = freePort();
        SmtpPeer refusing = new SmtpPeer(port, SmtpPeer.Mode.REFUSE);
        closing.add(refusing);
        publishDesired();
        AlertService svc = start(port, System::currentTimeMillis, 100);
        awaitTrue("caught up", svc::caughtUp);
        verdict(S11, Verdict.DOWN, "connect refused");
        awaitTrue("dead-lettered", () -> svc.stats().deadLettered() == 1);
        assertThat(refusing.rcptRefused.get()).isEqualTo(1);
        assertThat(svc.stats().pending()).isZero();
        JsonObject health = new JsonObject(http(svc, "/health"));
        System.out.println("550: /health " + health.encode());
        assertThat(health.getString("status")).isEqualTo("DEGRADED");
        assertThat(health.getInteger("deadLetters")).isEqualTo(1);
        assertThat(health.getString("lastDeadLetterReply")).isEqualTo(SmtpPeer.REFUSAL);
        assertThat(health.getJsonArray("deadLetterMails").getJsonObject(0).getString("subject"))
                .isEqualTo("[videolb] 1 new, 0 resolved, 1 open: server 192.0.2.11 down");
        assertThat(http(svc, "/metrics"))
                .contains(
                        "videolb_alert_mails_dead_lettered{service=\"alert-service\"} 1.0",
                        "videolb_alert_mails_failed_total{service=\"alert-service\"} 1.0",
                        "videolb_alert_mails_pending{service=\"alert-service\"} 0.0");
        Thread.sleep(2000);
        assertThat(refusing.rcptRefused.get())
                .as("a dead letter is not retried by itself")
                .isEqualTo(1);

        // a restart with the same relay: still held, still not retried
        stop(svc);
        AlertService second = start(port, System::currentTimeMillis, 100);
        awaitTrue("caught up", second::caughtUp);
        assertThat(second.stats().deadLettered()).isEqualTo(1);
        Thread.sleep(2000);
        assertThat(refusing.rcptRefused.get()).isEqualTo(1);
        assertThat(new JsonObject(http(second, "/health")).getInteger("deadLetters"))
                .isEqualTo(1);

        // the operator fixes the relay (same address), then retries: delivered exactly once
        refusing.close();
        GreenMail relay = greenMail(port);
        AlertClient.Response r = new AlertClient(
                        URI.create("http://127.0.0.1:" + second.httpPort()), Duration.ofSeconds(10))
                .retryDeadLetters();
        System.out.println("550: retry answered " + r.status() + " " + r.body());
        assertThat(r.status()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getInteger("requeued")).isEqualTo(1);
        awaitTrue("delivered", () -> relay.getReceivedMessages().length >= 1);
        awaitTrue(
                "outbox empty",
                () -> second.stats().deadLettered() == 0 && second.stats().pending() == 0);
        Thread.sleep(2000);
        MimeMessage[] got = relay.getReceivedMessages();
        assertThat(got).hasSize(1);
        assertThat(got[0].getMessageID()).isEqualTo("<videolb." + topics.prefix() + ".1@videolb.example.org>");
        assertThat(got[0].getSubject()).isEqualTo("[videolb] 1 new, 0 resolved, 1 open: server 192.0.2.11 down");
        assertThat(new JsonObject(http(second, "/health")).getString("status")).isEqualTo("UP");
        // a second retry finds nothing
        assertThat(new JsonObject(new AlertClient(
                                        URI.create("http://127.0.0.1:" + second.httpPort()), Duration.ofSeconds(10))
                                .retryDeadLetters()
                                .body())
                        .getInteger("requeued"))
                .isZero();
        stop(second);
        AlertService third = start(port, System::currentTimeMillis, 100);
        awaitTrue("caught up", third::caughtUp);
        Thread.sleep(1500);
        assertThat(relay.getReceivedMessages()).hasSize(1);
    }

    @Test
    void aRestartWithAnotherRelaySendsTheDeadLettersByItself() throws Exception {
        int port = freePort();
        SmtpPeer refusing = new SmtpPeer(port, SmtpPeer.Mode.REFUSE);
        closing.add(refusing);
        publishDesired();
        AlertService svc = start(port, System::currentTimeMillis, 100);
        awaitTrue("caught up", svc::caughtUp);
        verdict(S11, Verdict.DOWN, "connect refused");
        awaitTrue("1 dead letter", () -> svc.stats().deadLettered() == 1);
        verdict(S12, Verdict.DOWN, "handshake timeout");
        awaitTrue("2 dead letters", () -> svc.stats().deadLettered() == 2);
        stop(svc);
        int other = freePort();
        GreenMail relay = greenMail(other);
        AlertService moved = start(other, System::currentTimeMillis, 100);
        awaitTrue("both delivered", () -> relay.getReceivedMessages().length >= 2);
        awaitTrue(
                "nothing held",
                () -> moved.stats().deadLettered() == 0 && moved.stats().pending() == 0);
        Thread.sleep(1500);
        List<String> ids = new ArrayList<>();
        for (MimeMessage m : relay.getReceivedMessages()) ids.add(m.getMessageID());
        System.out.println("relay change: received " + ids);
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        assertThat(refusing.rcptRefused.get()).isEqualTo(2);
    }

    // ------------------------------------------------------------------------------------ blackhole

    /**
     * Issue 12, chaos test 8: the relay accepts TCP and never answers, for 30 minutes of simulated time (the service's
     * clock is the test's), while 30 servers each go down and come back. Asserted: every SMTP attempt ends within its
     * bound (connections to the blackhole do not pile up), the outbox never holds more than its bound, and after the
     * relay returns every incident is reported opened and resolved: 0 alerts lost.
     */
    @Test
    void aBlackholedRelayFor30SimulatedMinutesLosesNoAlertAndKeepsTheOutboxBounded() throws Exception {
        int port = freePort();
        SmtpPeer hole = new SmtpPeer(port, SmtpPeer.Mode.BLACKHOLE);
        closing.add(hole);
        publishDesired();
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        int bound = 5;
        AlertService svc = start(port, clock::get, bound);
        awaitTrue("caught up", svc::caughtUp);
        int servers = 30;
        int maxHeld = 0;
        int maxIncidents = 0;
        long steps = 180; // 10 simulated seconds each: 30 minutes
        long realStart = System.nanoTime();
        for (int step = 0; step < steps; step++) {
            if (step % 6 == 0) { // every simulated minute: server m goes down, server m-3 comes back
                int minute = step / 6;
                long before = svc.stats().inputRecords();
                int published = 0;
                if (minute < servers) {
                    verdict(server(minute), Verdict.DOWN, "probe " + minute + " failed", clock.get());
                    published++;
                }
                if (minute >= 3 && minute - 3 < servers) {
                    verdict(server(minute - 3), Verdict.UP, "ok", clock.get());
                    published++;
                }
                long want = before + published;
                awaitTrue("verdicts read", () -> svc.stats().inputRecords() >= want);
            }
            clock.addAndGet(10_000);
            Thread.sleep(120); // the engine decides at least every 100 ms
            AlertService.Stats s = svc.stats();
            maxHeld = Math.max(maxHeld, (int) (s.pending() + s.deadLettered()));
            maxIncidents = (int) Math.max(maxIncidents, s.openIncidents());
            assertThat(s.pending() + s.deadLettered())
                    .as("outbox bound at step " + step)
                    .isLessThanOrEqualTo(bound);
        }
        // the remaining servers come back
        for (int m = servers - 3; m < servers; m++) verdict(server(m), Verdict.UP, "ok", clock.get());
        long realMs = (System.nanoTime() - realStart) / 1_000_000;
        AlertService.Stats during = svc.stats();
        JsonObject health = new JsonObject(http(svc, "/health"));
        System.out.println("blackhole: 30 simulated minutes in " + realMs + " ms real; " + during.transientFailures()
                + " attempts timed out, " + hole.connections.get() + " connections to the blackhole, at most "
                + hole.maxOpen.get() + " open at once, outbox held at most " + maxHeld + " (bound " + bound
                + "), outboxFull=" + health.getBoolean("outboxFull") + ", sent " + during.sent());
        assertThat(during.sent()).isZero();
        assertThat(during.transientFailures()).isGreaterThan(0);
        assertThat(maxHeld).isEqualTo(bound);
        assertThat(health.getBoolean("outboxFull")).isTrue();
        assertThat(health.getString("status")).isEqualTo("DEGRADED");
        assertThat(hole.maxOpen.get())
                .as("attempts end within their bound, connections do not pile up")
                .isLessThanOrEqualTo(4);

        // the relay comes back on the same address
        hole.close();
        GreenMail relay = greenMail(port);
        long realBack = System.nanoTime();
        for (int i = 0; i < 600; i++) {
            clock.addAndGet(10_000); // past every backoff (at most 5 simulated minutes)
            Thread.sleep(100);
            AlertService.Stats s = svc.stats();
            if (s.pending() == 0 && !s.outboxFull() && s.openIncidents() == 0 && i > 20) break;
        }
        Thread.sleep(1000);
        MimeMessage[] got = relay.getReceivedMessages();
        java.util.Set<String> opened = new java.util.TreeSet<>();
        java.util.Set<String> resolved = new java.util.TreeSet<>();
        for (MimeMessage m : got) sections(body(m), opened, resolved);
        System.out.println("blackhole: relay back: " + got.length + " mails in "
                + (System.nanoTime() - realBack) / 1_000_000 + " ms; reported opened " + opened.size() + ", resolved "
                + resolved.size() + " of " + servers + " incidents; subjects "
                + java.util.Arrays.stream(got).map(AlertMailFailureIT::subject).toList());
        List<String> all = new ArrayList<>();
        for (int m = 0; m < servers; m++) all.add("server-down/" + server(m));
        assertThat(opened).as("every incident reported opened").containsAll(all);
        assertThat(resolved).as("every incident reported resolved").containsAll(all);
        assertThat(svc.stats().pending()).isZero();
        assertThat(got.length).as("coalesced: far fewer mails than changes").isLessThan(2 * servers);
        List<String> ids = new ArrayList<>();
        for (MimeMessage m : got) ids.add(m.getMessageID());
        assertThat(ids).doesNotHaveDuplicates();
    }

    /** Incident ids reported opened (NEW, CAME AND WENT) and resolved (RESOLVED, CAME AND WENT) by one mail body. */
    private static void sections(String body, java.util.Set<String> opened, java.util.Set<String> resolved) {
        String section = "";
        for (String line : body.split("\n")) {
            if (line.startsWith("== ")) section = line;
            else if (line.startsWith("* ") && line.endsWith("]")) {
                String id = line.substring(line.lastIndexOf('[') + 1, line.length() - 1);
                if (section.startsWith("== NEW") || section.startsWith("== CAME AND WENT")) opened.add(id);
                if (section.startsWith("== RESOLVED") || section.startsWith("== CAME AND WENT")) resolved.add(id);
            }
        }
    }

    private static Ipv4Address server(int i) {
        return Ipv4Address.parse("192.0.2." + (100 + i));
    }

    // ------------------------------------------------------------------------------------ helpers

    private AlertService start(int smtpPort, LongSupplier clock, int outboxMax) {
        AlertSettings c = AlertSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .alerting(
                        new AlertBook.Settings(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofMinutes(10), 4))
                .retryBase(Duration.ofMillis(200))
                .retryMax(Duration.ofMinutes(5))
                .sendTimeout(Duration.ofSeconds(1))
                .outboxMax(outboxMax)
                .from(MailAddress.parse("videolb@videolb.example.org"))
                .sinkDir(tmp.resolve("sink"))
                .smtp(new SmtpSettings("127.0.0.1", smtpPort, SmtpSettings.Tls.NONE, null, null))
                .build();
        ServiceRuntime runtime = ServiceRuntime.create();
        AlertService s = new AlertService(
                c,
                runtime,
                v -> new SmtpMailSender(v, c.smtp().orElseThrow(), "videolb", mc -> mc.setIdleTimeout(1)),
                clock);
        processes.put(s, runtime);
        return runtime.deploy(s);
    }

    private void stop(AlertService s) {
        processes.remove(s).close();
    }

    private GreenMail greenMail(int port) {
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        GreenMail g = new GreenMail(setup);
        g.start();
        greenMails.add(g);
        return g;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void awaitTrue(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private void verdict(Ipv4Address server, Verdict v, String reason) throws Exception {
        verdict(server, v, reason, System.currentTimeMillis());
    }

    private void verdict(Ipv4Address server, Verdict v, String reason, long at) throws Exception {
        producer.send(new ProducerRecord<>(
                        topics.health(),
                        server.toString(),
                        Json.write(new HealthVerdict(
                                server, v, ProbeLevel.RTMP, reason, 100, "hc-1", seq.getAndIncrement(), at))))
                .get();
    }

    private void publishDesired() throws Exception {
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("203.0.113.10"),
                Ipv4Network.parse("198.51.100.0/24"),
                List.of(OPERATOR),
                300,
                new Fwmark(1),
                Scheduler.WRR);
        DesiredState state = new DesiredState(
                params,
                new TreeMap<>(),
                new TreeMap<>(Map.of(
                        new Fwmark(1),
                        new Pool(new Fwmark(1), Scheduler.WRR, List.of(RealServer.of(S11), RealServer.of(S12))))),
                new TreeMap<>());
        SortedMap<String, String> records = DesiredRecords.encode(state);
        for (Map.Entry<String, String> e : records.entrySet())
            producer.send(new ProducerRecord<>(topics.desired(), e.getKey(), e.getValue()));
        GenerationMarker marker = new GenerationMarker(
                1, DesiredRecords.digest(records), records.size(), records.size(), "test", "test", 0);
        producer.send(new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, Json.write(marker)))
                .get();
    }

    static String http(AlertService s, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new AssertionError(e);
        }
    }

    static String body(MimeMessage m) {
        try {
            Object c = m.getContent();
            return c instanceof String s ? s.replace("\r\n", "\n") : String.valueOf(c);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
