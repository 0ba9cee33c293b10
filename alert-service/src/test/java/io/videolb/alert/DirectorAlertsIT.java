package io.videolb.alert;

import static io.videolb.alert.AlertMailFailureIT.awaitTrue;
import static io.videolb.alert.AlertMailFailureIT.body;
import static io.videolb.alert.AlertMailFailureIT.subject;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.Topics;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The director alerts (issues 10 and 12) end to end: agent statuses with the HA, health-freshness, foreign-rule and
 * drain components published to the shared embedded broker as the agents will publish them, mails received by
 * GreenMail. The other engineers' agents do not fill these components yet: the records here are what they will send.
 */
class DirectorAlertsIT {
    private static final String INJECT = "x\r\nBcc: evil@example.net\r\nX-Injected: yes";

    @TempDir
    Path tmp;

    private Topics topics;
    private KafkaProducer<String, String> producer;
    private GreenMail greenMail;
    private ServiceRuntime runtime;

    @BeforeEach
    void setUp() throws Exception {
        topics = SharedBroker.uniqueTopics("alertdir");
        AlertService.ensureTopics(
                SharedBroker.settings("alertdir-it-admin"), topics, io.videolb.kafka.TopicReplication.SINGLE);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedBroker.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        greenMail = new GreenMail(setup);
        greenMail.start();
    }

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        producer.close(Duration.ofSeconds(5));
        greenMail.stop();
    }

    @Test
    void directorConditionsGiveOneMailPerIncidentAndSplitBrainWithinFiveSeconds() throws Exception {
        publishDesired();
        AlertSettings c = AlertSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .alerting(
                        new AlertBook.Settings(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofMinutes(10), 4))
                .bounds(new Facts.Bounds(
                        Duration.ofSeconds(8),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(300),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(10)))
                .from(MailAddress.parse("videolb@videolb.example.org"))
                .sinkDir(tmp.resolve("sink"))
                .smtp(new SmtpSettings("127.0.0.1", greenMail.getSmtp().getPort(), SmtpSettings.Tls.NONE, null, null))
                .build();
        runtime = ServiceRuntime.create();
        AlertService svc = runtime.deploy(new AlertService(c, runtime));
        awaitTrue("caught up", svc::caughtUp);

        // 1. director A: health stale, foreign MARK rules, a drain 60 s before its deadline with 5 viewers
        long now = System.currentTimeMillis();
        AgentStatus.DrainStatus drain = new AgentStatus.DrainStatus(
                1, "192.0.2.12", "failback " + INJECT, now - 600_000, now + 60_000, 5, 2, false);
        publish(status(
                "director-a",
                now,
                1,
                List.of(drain),
                null,
                new AgentStatus.HealthFreshness(true, 45_000, 15_000, "no checker refreshed " + INJECT),
                List.of(
                        "-A PREROUTING -s 198.51.100.7/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0x2/0xffffffff",
                        "-A PREROUTING " + INJECT)));
        awaitMails(1);
        MimeMessage first = messages().get(0);
        System.out.println("director alerts: mail 1: " + subject(first));
        assertThat(subject(first))
                .isEqualTo("[videolb] 3 new, 0 resolved, 3 open: health stale on director director-a (+2 more)");
        assertThat(body(first))
                .contains(
                        "[health-stale/director-a]",
                        "[foreign-rules/director-a]",
                        "[drain-deadline/1/192.0.2.12]",
                        "still has 5 active connection(s)",
                        "rule: -A PREROUTING -s 198.51.100.7/32",
                        "no checker refreshed x\\r\\nBcc: evil@example.net\\r\\nX-Injected: yes");

        // 2. director B takes over: one mail, however often B reports it
        long takeover = System.currentTimeMillis();
        AgentStatus.DirectorHa bMaster = new AgentStatus.DirectorHa(
                "MASTER",
                true,
                takeover,
                "master+backup",
                1234,
                "director-a",
                takeover,
                "no adverts from director-a " + INJECT,
                "");
        for (int i = 0; i < 3; i++) {
            publish(status("director-b", System.currentTimeMillis(), 1, List.of(), bMaster, null, List.of()));
            publish(status(
                    "director-a",
                    System.currentTimeMillis(),
                    1,
                    List.of(drain),
                    backup(takeover),
                    stale(),
                    List.of("-A PREROUTING x")));
            Thread.sleep(700);
        }
        awaitMails(2);
        Thread.sleep(1500);
        assertThat(messages()).hasSize(2);
        MimeMessage second = messages().get(1);
        System.out.println("director alerts: mail 2: " + subject(second) + "\n" + body(second));
        assertThat(subject(second))
                .isEqualTo("[videolb] 1 new, 0 resolved, 4 open: director director-b took over the VIP (+3 more)");
        assertThat(body(second))
                .contains(
                        "[director-takeover/director-b/" + takeover + "]",
                        "why: no adverts from director-a x\\r\\nBcc",
                        "connections in its IPVS table: 1234");

        // 3. split brain: A claims the VIP too while B still holds it; both keep reporting
        long claim = System.currentTimeMillis();
        AgentStatus.DirectorHa aMaster =
                new AgentStatus.DirectorHa("MASTER", true, claim, "master+backup", 900, "director-b", 0, "", "");
        long bothReported = 0;
        long detected = 0;
        for (int i = 0; i < 100 && detected == 0; i++) {
            publish(status(
                    "director-a",
                    System.currentTimeMillis(),
                    1,
                    List.of(drain),
                    aMaster,
                    stale(),
                    List.of("-A PREROUTING x")));
            publish(status("director-b", System.currentTimeMillis(), 1, List.of(), bMaster, null, List.of()));
            if (bothReported == 0) bothReported = System.currentTimeMillis();
            Thread.sleep(100);
            if (messages().stream().anyMatch(m -> subject(m).contains("split brain")))
                detected = System.currentTimeMillis();
        }
        assertThat(detected).as("split brain mailed").isPositive();
        MimeMessage split = messages().stream()
                .filter(m -> subject(m).contains("split brain"))
                .findFirst()
                .orElseThrow();
        System.out.println("director alerts: split brain mailed " + (detected - bothReported)
                + " ms after both claims were published (bound 2000 ms): " + subject(split));
        assertThat(detected - bothReported).isLessThan(5000);
        assertThat(subject(split)).contains(": split brain: 2 directors hold the VIP");
        assertThat(body(split))
                .contains(
                        "[split-brain/203.0.113.10]",
                        "director director-a: VRRP MASTER",
                        "director director-b: VRRP MASTER");
        int beforeYield = messages().size();

        // A yields: the split brain is resolved, one mail
        for (int i = 0; i < 5; i++) {
            publish(status(
                    "director-a",
                    System.currentTimeMillis(),
                    1,
                    List.of(drain),
                    backup(claim),
                    stale(),
                    List.of("-A PREROUTING x")));
            publish(status("director-b", System.currentTimeMillis(), 1, List.of(), bMaster, null, List.of()));
            Thread.sleep(300);
        }
        awaitTrue(
                "resolution", () -> messages().stream().anyMatch(m -> subject(m).contains("resolved: split brain")));
        assertThat(messages().size()).isEqualTo(beforeYield + 1);

        // 4. A goes silent, C stays behind the desired generation; B keeps reporting
        for (int i = 0; i < 120; i++) {
            long t = System.currentTimeMillis();
            publish(status("director-b", t, 1, List.of(), bMaster, null, List.of()));
            publish(new AgentStatus(
                    "director-c",
                    "apply",
                    0,
                    1,
                    t,
                    t,
                    0,
                    List.of(),
                    List.of(),
                    List.of(),
                    List.of(),
                    null,
                    null,
                    null));
            Thread.sleep(250);
            String all = String.join(
                    "\n", messages().stream().map(AlertMailFailureIT::body).toList());
            if (all.contains("[agent-silent/director-a]") && all.contains("[agent-behind/director-c]")) break;
        }
        String all = String.join(
                "\n", messages().stream().map(AlertMailFailureIT::body).toList());
        assertThat(all).contains("[agent-silent/director-a]", "[agent-behind/director-c]");
        assertThat(all).doesNotContain("[agent-silent/director-b]");
        System.out.println("director alerts: " + messages().size() + " mails: "
                + messages().stream().map(AlertMailFailureIT::subject).toList());

        // event text never reached a header
        for (MimeMessage m : messages()) {
            for (Header h : Collections.list(m.getAllHeaders())) {
                assertThat(h.getName()).isNotIn("Bcc", "X-Injected");
                assertThat(h.getValue()).doesNotContain("evil").doesNotContain("Injected");
            }
        }
        assertThat(greenMail.getReceivedMessagesForDomain("example.net")).isEmpty();
    }

    private static AgentStatus.DirectorHa backup(long since) {
        return new AgentStatus.DirectorHa("BACKUP", false, since, "backup", 1200, "director-b", 0, "", "no parity yet");
    }

    private static AgentStatus.HealthFreshness stale() {
        return new AgentStatus.HealthFreshness(true, 45_000, 15_000, "no checker refreshed " + INJECT);
    }

    private static AgentStatus status(
            String dir,
            long at,
            long gen,
            List<AgentStatus.DrainStatus> drains,
            AgentStatus.DirectorHa ha,
            AgentStatus.HealthFreshness health,
            List<String> foreign) {
        return new AgentStatus(
                dir, "apply", gen, gen, at, at, 0, List.of(), List.of(), List.of(), drains, ha, health, foreign);
    }

    private void publish(AgentStatus s) throws Exception {
        producer.send(new ProducerRecord<>(topics.agentStatus(), s.director(), Json.write(s)))
                .get();
    }

    private List<MimeMessage> messages() {
        return List.of(greenMail.getReceivedMessages());
    }

    private void awaitMails(int n) {
        awaitTrue(n + " mail(s)", () -> messages().size() >= n);
    }

    private void publishDesired() throws Exception {
        Ipv4Address s11 = Ipv4Address.parse("192.0.2.11");
        Ipv4Address s12 = Ipv4Address.parse("192.0.2.12");
        ClusterParams params = new ClusterParams(
                Ipv4Address.parse("203.0.113.10"),
                Ipv4Network.parse("198.51.100.0/24"),
                List.of(MailAddress.parse("ops@example.com")),
                300,
                new Fwmark(1),
                Scheduler.WRR);
        DesiredState state = new DesiredState(
                params,
                new TreeMap<>(),
                new TreeMap<>(Map.of(
                        new Fwmark(1),
                        new Pool(new Fwmark(1), Scheduler.WRR, List.of(RealServer.of(s11), RealServer.of(s12))))),
                new TreeMap<>());
        SortedMap<String, String> records = DesiredRecords.encode(state);
        for (Map.Entry<String, String> e : records.entrySet())
            producer.send(new ProducerRecord<>(topics.desired(), e.getKey(), e.getValue()));
        GenerationMarker marker = new GenerationMarker(
                1, DesiredRecords.digest(records), records.size(), records.size(), "test", "test", 0);
        producer.send(new ProducerRecord<>(topics.desired(), DesiredRecords.GENERATION, Json.write(marker)))
                .get();
    }
}
