package io.videolb.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.alert.mail.SmtpMailSender;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
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
import jakarta.mail.Header;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert service against a real broker (shared, embedded) and a real SMTP server (GreenMail,
 * SMTPS with AUTH), driven by events published the way health-service and ipvs-agent publish them.
 */
class AlertServiceIT {
    private static final String USER = "alerts";
    private static final String PASSWORD = "s3cret-Pw";
    private static final MailAddress OPERATOR = MailAddress.parse("ops@example.com");
    private static final Ipv4Address S11 = Ipv4Address.parse("192.0.2.11");
    private static final Ipv4Address S12 = Ipv4Address.parse("192.0.2.12");
    private static final Ipv4Address B21 = Ipv4Address.parse("192.0.2.21");
    private static final String INJECT = "x\r\nBcc: evil@example.net\r\nX-Injected: yes\r\n\r\nfake body";

    @TempDir
    Path tmp;

    private Topics topics;
    private KafkaProducer<String, String> producer;
    private GreenMail greenMail;
    private int smtpPort;
    /** Each started service in its own runtime, as in its own process. */
    private final Map<AlertService, ServiceRuntime> processes = new HashMap<>();

    private final AtomicLong seq = new AtomicLong(1);

    @BeforeEach
    void setUp() throws Exception {
        topics = SharedBroker.uniqueTopics("alert");
        AlertService.ensureTopics(
                SharedBroker.settings("alert-it-admin"), topics, io.videolb.kafka.TopicReplication.SINGLE);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            smtpPort = s.getLocalPort();
        }
        startGreenMail();
    }

    @AfterEach
    void tearDown() {
        processes.values().forEach(ServiceRuntime::close);
        producer.close(Duration.ofSeconds(5));
        if (greenMail != null) greenMail.stop();
    }

    // ------------------------------------------------------------------------------------ tests

    @Test
    void aScriptedSequenceOfEventsGivesOneMailPerBurstAndAResolutionMail() throws Exception {
        publishDesired(List.of(OPERATOR));
        AlertService svc = start(window(Duration.ofSeconds(1)));
        awaitTrue("caught up", svc::caughtUp);

        // burst 1: two servers go down at the same time -> one mail
        verdict(S11, Verdict.DOWN, "connect refused");
        verdict(S12, Verdict.DOWN, "rtmp handshake timeout");
        awaitMails(1);
        MimeMessage first = greenMail.getReceivedMessages()[0];
        assertThat(first.getSubject())
                .isEqualTo("[videolb] 2 new, 0 resolved, 2 open: server 192.0.2.11 down (+1 more)");
        assertThat(body(first)).contains("connect refused", "rtmp handshake timeout", "backup: 192.0.2.21");
        assertThat(first.getAllRecipients()).extracting(Object::toString).containsExactly("ops@example.com");

        // burst 2: the backup took over, then the backup went down too; the agent reports panic,
        // an apply error and a stuck drain; the checker degrades
        agent(
                "director-1",
                List.of("ipvsadm: Memory allocation problem"),
                true,
                List.of("192.0.2.11->192.0.2.21"),
                true);
        verdict(B21, Verdict.DOWN, "refused");
        checker("hc-1", true, "known-good target failed");
        awaitMails(2);
        MimeMessage second = greenMail.getReceivedMessages()[1];
        assertThat(second.getSubject())
                .isEqualTo(
                        "[videolb] 7 new, 0 resolved, 9 open: server 192.0.2.11 and its backup 192.0.2.21 down (+8 more)");
        assertThat(body(second))
                .contains(
                        "backup also down",
                        "pool in panic (fail-open)",
                        "health checker degraded",
                        "apply failing",
                        "drain past its deadline",
                        "backup took over",
                        "Memory allocation problem");

        // everything recovers -> one resolution mail, then nothing more
        verdict(S11, Verdict.UP, "ok");
        verdict(S12, Verdict.UP, "ok");
        verdict(B21, Verdict.UP, "ok");
        checker("hc-1", false, "ok");
        agent("director-1", List.of(), false, List.of(), false);
        awaitMails(3);
        MimeMessage third = greenMail.getReceivedMessages()[2];
        assertThat(third.getSubject()).startsWith("[videolb] 0 new, 9 resolved, 0 open: resolved: ");
        assertThat(body(third)).contains("== RESOLVED (9)");
        Thread.sleep(3000);
        assertThat(greenMail.getReceivedMessages()).hasSize(3);
        assertThat(svc.stats().openIncidents()).isZero();

        String metrics = http(svc, "/metrics");
        assertThat(metrics)
                .contains(
                        "videolb_alert_mails_sent_total{service=\"alert-service\"} 3.0",
                        "videolb_alert_mails_pending{service=\"alert-service\"} 0.0",
                        "videolb_alert_mails_failed_total{service=\"alert-service\"} 0.0",
                        "videolb_alert_mail_duplicates_total{service=\"alert-service\"} 0.0",
                        "videolb_alert_caught_up{service=\"alert-service\"} 1.0",
                        "videolb_build_info{service=\"alert-service\",version=\"");
        assertThat(http(svc, "/health")).contains("\"status\":\"UP\"", "\"caughtUp\":true");
    }

    @Test
    void aFlappingServerGivesABoundedNumberOfMails() throws Exception {
        publishDesired(List.of(OPERATOR));
        AlertService svc =
                start(new AlertBook.Settings(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofSeconds(4), 4));
        awaitTrue("caught up", svc::caughtUp);
        int changes = 0;
        for (int i = 0; i < 30; i++) { // 30 changes in ~4.5 s
            verdict(S11, i % 2 == 0 ? Verdict.DOWN : Verdict.UP, "flap " + i);
            changes++;
            Thread.sleep(150);
        }
        // quiet: wait for the flap window to pass and the "settled" mail
        awaitTrue(
                "settled mail",
                () -> messages().stream().anyMatch(m -> subject(m).contains("settled")));
        Thread.sleep(2000);
        List<MimeMessage> got = messages();
        System.out.println("flapping: " + changes + " verdict changes -> " + got.size() + " mails: "
                + got.stream().map(AlertServiceIT::subject).toList());
        assertThat(got.size()).isBetween(2, 4);
        assertThat(got.stream().map(AlertServiceIT::body).anyMatch(b -> b.contains("FLAPPING")))
                .isTrue();
        List<String> subjects = got.stream().map(AlertServiceIT::subject).toList();
        assertThat(subjects)
                .anyMatch(
                        s -> s.matches(
                                "\\[videolb] server 192\\.0\\.2\\.11 flapping \\([0-9]+ changes in [0-9]+ s\\), now (up|down)"));
        assertThat(subjects)
                .anyMatch(s ->
                        s.matches("\\[videolb] server 192\\.0\\.2\\.11 settled after [0-9]+ changes, now (up|down)"));
        assertThat(subjects).noneMatch(s -> s.contains("0 new, 0 resolved, 0 open"));
        assertThat(svc.stats().sent()).isEqualTo(got.size());
    }

    @Test
    void anSmtpOutageDuringSeveralIncidentsLosesNoMailAndARestartResendsNothing() throws Exception {
        publishDesired(List.of(OPERATOR));
        AlertService svc = start(window(Duration.ofMillis(500)));
        awaitTrue("caught up", svc::caughtUp);
        greenMail.stop();

        verdict(S11, Verdict.DOWN, "down 1");
        awaitTrue(
                "mail 1 pending",
                () -> svc.stats().pending() >= 1 && svc.stats().transientFailures() >= 1);
        verdict(S12, Verdict.DOWN, "down 2");
        awaitTrue("mail 2 pending", () -> svc.stats().pending() >= 2);
        checker("hc-1", true, "degraded");
        awaitTrue("mail 3 pending", () -> svc.stats().pending() >= 3);
        verdict(S11, Verdict.UP, "up again");
        awaitTrue("mail 4 pending", () -> svc.stats().pending() >= 4);
        assertThat(svc.stats().sent()).isZero();
        assertThat(http(svc, "/health")).contains("\"status\":\"DEGRADED\"", "\"pendingMails\":4");

        // a restart during the outage keeps the outbox (it lives in Kafka)
        stop(svc);
        AlertService second = start(window(Duration.ofMillis(500)));
        awaitTrue("outbox reloaded", () -> second.stats().pending() == 4);

        startGreenMail();
        awaitTrue("all delivered", () -> second.stats().pending() == 0);
        awaitMails(4);
        List<String> ids = new ArrayList<>();
        for (MimeMessage m : messages()) ids.add(m.getMessageID());
        long distinct = ids.stream().distinct().count();
        System.out.println("outage: received " + ids.size() + " messages, " + distinct
                + " distinct Message-IDs, service counted " + second.stats().duplicates() + " possible duplicates, "
                + second.stats().transientFailures() + " transient failures");
        assertThat(distinct).isEqualTo(4);
        assertThat(ids)
                .allMatch(id -> id.matches(
                        "<videolb\\." + topics.prefix().replace(".", "\\.") + "\\.[1-4]@videolb\\.example\\.org>"));
        // duplicates on the wire are all accounted for by the service's count
        assertThat(ids.size() - distinct).isLessThanOrEqualTo(second.stats().duplicates());

        // nothing changes: a new instance sends nothing again
        stop(second);
        AlertService third = start(window(Duration.ofMillis(500)));
        awaitTrue("caught up", third::caughtUp);
        Thread.sleep(2500);
        assertThat(messages()).hasSize(ids.size());
        assertThat(third.stats().pending()).isZero();
        assertThat(third.stats().openIncidents()).isEqualTo(2); // S12 down, checker degraded
    }

    @Test
    void aResendAfterACrashMidSendIsDeliveredAndCountedAsDuplicate() throws Exception {
        publishDesired(List.of(OPERATOR));
        // what a crashed instance left: mail #7 stored in flight, and already received by the server
        OutboxMail crashed = new OutboxMail(
                7,
                "<videolb." + topics.prefix() + ".7@videolb.example.org>",
                MailAddress.parse("videolb@videolb.example.org"),
                List.of(OPERATOR),
                "[videolb] 1 new, 0 resolved, 1 open: server 192.0.2.11 down",
                "body",
                System.currentTimeMillis(),
                1,
                true,
                false,
                "");
        producer.send(new ProducerRecord<>(topics.alertState(), crashed.key(), Json.write(crashed)))
                .get();
        AlertService svc = start(window(Duration.ofMillis(500)));
        awaitTrue("re-sent", () -> svc.stats().sent() == 1);
        assertThat(svc.stats().duplicates()).isEqualTo(1);
        assertThat(http(svc, "/metrics"))
                .contains("videolb_alert_mail_duplicates_total{service=\"alert-service\"} 1.0");
        awaitMails(1);
        assertThat(messages().get(0).getMessageID()).isEqualTo(crashed.messageId());
    }

    @Test
    void crAndLfInEveryEventFieldAndAddressAddNoHeaderLine() throws Exception {
        // an injected address in param.csv's mailid cannot even be decoded: that generation is ignored
        publishDesired(List.of(OPERATOR));
        publishRawParamsWithAddress("ops@example.com\r\nBcc: evil@example.net");
        AlertService svc = start(window(Duration.ofMillis(500)));
        awaitTrue("caught up", svc::caughtUp);
        producer.send(new ProducerRecord<>(
                        topics.health(),
                        S11.toString(),
                        Json.write(new HealthVerdict(
                                S11,
                                Verdict.DOWN,
                                ProbeLevel.RTMP,
                                INJECT,
                                1,
                                INJECT,
                                seq.getAndIncrement(),
                                System.currentTimeMillis()))))
                .get();
        producer.send(new ProducerRecord<>(
                        topics.health(),
                        CheckerStatus.KEY_PREFIX + INJECT,
                        Json.write(new CheckerStatus(
                                INJECT, true, INJECT, seq.getAndIncrement(), System.currentTimeMillis()))))
                .get();
        AgentStatus a = new AgentStatus(
                INJECT,
                INJECT,
                1,
                1,
                0,
                0,
                0,
                List.of(INJECT),
                List.of(INJECT),
                List.of(new AgentStatus.PoolStatus(
                        1, List.of(INJECT), List.of(INJECT, "192.0.2.11->192.0.2.21"), true, List.of(INJECT))),
                List.of(new AgentStatus.DrainStatus(1, "192.0.2.12", INJECT, 0, 1, 3, 4, true)));
        producer.send(new ProducerRecord<>(topics.agentStatus(), INJECT, Json.write(a)))
                .get();
        awaitMails(1);
        Thread.sleep(1500);
        List<MimeMessage> got = messages();
        assertThat(got).hasSize(1);
        MimeMessage m = got.get(0);
        List<String> names = new ArrayList<>();
        for (Header h : Collections.list(m.getAllHeaders())) {
            names.add(h.getName());
            assertThat(h.getValue())
                    .doesNotContain("evil")
                    .doesNotContain("Injected")
                    .doesNotContain("\n");
        }
        System.out.println("headers of the received message: " + names);
        assertThat(names).doesNotContain("Bcc", "X-Injected");
        assertThat(names)
                .allMatch(n -> List.of(
                                "Return-Path",
                                "Received",
                                "Message-ID",
                                "Date",
                                "From",
                                "To",
                                "Subject",
                                "MIME-Version",
                                "Content-Type",
                                "Content-Transfer-Encoding")
                        .contains(n));
        assertThat(m.getAllRecipients()).extracting(Object::toString).containsExactly("ops@example.com");
        assertThat(greenMail.getReceivedMessagesForDomain("example.net")).isEmpty();
        assertThat(body(m))
                .contains("x\\r\\nBcc: evil@example.net\\r\\nX-Injected: yes"); // shown, escaped, in the body
        assertThat(svc.stats().inputRejected()).isGreaterThanOrEqualTo(1); // the injected address
    }

    // ------------------------------------------------------------------------------------ helpers

    private AlertBook.Settings window(Duration w) {
        return new AlertBook.Settings(w, Duration.ofHours(1), Duration.ofMinutes(10), 4);
    }

    private AlertService start(AlertBook.Settings settings) {
        AlertSettings c = AlertSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .alerting(settings)
                .retryBase(Duration.ofMillis(200))
                .retryMax(Duration.ofSeconds(1))
                .sendTimeout(Duration.ofSeconds(10))
                .from(MailAddress.parse("videolb@videolb.example.org"))
                .sinkDir(tmp.resolve("sink"))
                .smtp(new SmtpSettings("localhost", smtpPort, SmtpSettings.Tls.IMPLICIT, USER, PASSWORD))
                .build();
        // the test server's certificate is self-signed: trusted here, in the test only
        ServiceRuntime runtime = ServiceRuntime.create();
        AlertService s = new AlertService(
                c,
                runtime,
                v -> new SmtpMailSender(
                        v,
                        c.smtp().orElseThrow(),
                        "videolb",
                        mc -> mc.setTrustAll(true).setHostnameVerificationAlgorithm("")));
        processes.put(s, runtime);
        return runtime.deploy(s);
    }

    /** Stops {@code s} as its process would stop: its runtime closes. */
    private void stop(AlertService s) {
        processes.remove(s).close();
    }

    private void startGreenMail() {
        ServerSetup setup = new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS);
        setup.setServerStartupTimeout(15_000);
        List<MimeMessage> before = greenMail == null ? List.of() : List.of(greenMail.getReceivedMessages());
        GreenMail g = new GreenMail(setup)
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("ops@example.com", USER, PASSWORD));
        g.start();
        earlier.addAll(before);
        greenMail = g;
    }

    private final List<MimeMessage> earlier = new ArrayList<>();

    /** Every message received, including by GreenMail instances stopped since. */
    private List<MimeMessage> messages() {
        List<MimeMessage> all = new ArrayList<>(earlier);
        if (greenMail != null && greenMail.isRunning()) all.addAll(List.of(greenMail.getReceivedMessages()));
        return all;
    }

    private void awaitMails(int n) {
        awaitTrue(n + " mail(s)", () -> messages().size() >= n);
    }

    private static void awaitTrue(String what, BooleanSupplier cond) {
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
        producer.send(new ProducerRecord<>(
                        topics.health(),
                        server.toString(),
                        Json.write(new HealthVerdict(
                                server,
                                v,
                                ProbeLevel.RTMP,
                                reason,
                                100,
                                "hc-1",
                                seq.getAndIncrement(),
                                System.currentTimeMillis()))))
                .get();
    }

    private void checker(String id, boolean degraded, String reason) throws Exception {
        CheckerStatus s = new CheckerStatus(id, degraded, reason, seq.getAndIncrement(), System.currentTimeMillis());
        producer.send(new ProducerRecord<>(topics.health(), s.key(), Json.write(s)))
                .get();
    }

    private void agent(String director, List<String> errors, boolean panic, List<String> subs, boolean stuckDrain)
            throws Exception {
        long now = System.currentTimeMillis();
        AgentStatus a = new AgentStatus(
                director,
                "apply",
                1,
                1,
                now,
                now,
                0,
                List.of(),
                errors,
                List.of(new AgentStatus.PoolStatus(
                        1,
                        List.of("192.0.2.21:1"),
                        subs,
                        panic,
                        panic ? List.of("192.0.2.11", "192.0.2.12") : List.of())),
                stuckDrain
                        ? List.of(new AgentStatus.DrainStatus(
                                1, "192.0.2.12", "failback", now - 60_000, now - 1000, 5, 2, true))
                        : List.of());
        producer.send(new ProducerRecord<>(topics.agentStatus(), director, Json.write(a)))
                .get();
    }

    private void publishDesired(List<MailAddress> mailTo) throws Exception {
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("203.0.113.10"),
                Ipv4Network.parse("198.51.100.0/24"),
                mailTo,
                300,
                new Fwmark(1),
                Scheduler.WRR);
        DesiredState state = new DesiredState(
                params,
                new TreeMap<>(),
                new TreeMap<>(Map.of(
                        new Fwmark(1),
                        new Pool(new Fwmark(1), Scheduler.WRR, List.of(RealServer.of(S11), RealServer.of(S12))))),
                new TreeMap<>(Map.of(S11, B21)));
        SortedMap<String, String> records = DesiredRecords.encode(state);
        for (Map.Entry<String, String> e : records.entrySet())
            producer.send(new ProducerRecord<>(topics.desired(), e.getKey(), e.getValue()));
        GenerationMarker marker = new GenerationMarker(
                1, DesiredRecords.digest(records), records.size(), records.size(), "test", "test", 0);
        producer.send(new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, Json.write(marker)))
                .get();
    }

    private void publishRawParamsWithAddress(String address) throws Exception {
        String params = "{\"vip\":\"203.0.113.10\",\"clientNetwork\":\"198.51.100.0/24\",\"mailTo\":["
                + Json.write(address) + "],\"persistenceSeconds\":300,\"defaultMark\":1,\"defaultScheduler\":\"wrr\"}";
        producer.send(new ProducerRecord<>(topics.desired(), DesiredRecords.PARAMS, params))
                .get();
        // a marker that matches (digest over the records as they are now), so only the address decoding can reject it
        Map<String, String> now = new HashMap<>();
        ClusterParams ok = new ClusterParams(
                Ipv4Address.parse("203.0.113.10"),
                Ipv4Network.parse("198.51.100.0/24"),
                List.of(OPERATOR),
                300,
                new Fwmark(1),
                Scheduler.WRR);
        DesiredState state = new DesiredState(
                ok,
                new TreeMap<>(),
                new TreeMap<>(Map.of(
                        new Fwmark(1),
                        new Pool(new Fwmark(1), Scheduler.WRR, List.of(RealServer.of(S11), RealServer.of(S12))))),
                new TreeMap<>(Map.of(S11, B21)));
        now.putAll(DesiredRecords.encode(state));
        now.put(DesiredRecords.PARAMS, params);
        SortedMap<String, String> sorted = new TreeMap<>(now);
        GenerationMarker marker =
                new GenerationMarker(2, DesiredRecords.digest(sorted), sorted.size(), 1, "test", "test", 0);
        producer.send(new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, Json.write(marker)))
                .get();
    }

    private static String subject(MimeMessage m) {
        try {
            return m.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String body(MimeMessage m) {
        try {
            Object c = m.getContent();
            return c instanceof String s ? s : String.valueOf(c);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String http(AlertService s, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + path))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.body();
    }
}
