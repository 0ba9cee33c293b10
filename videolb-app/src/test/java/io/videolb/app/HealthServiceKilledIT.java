package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.desired.Policy;
import io.videolb.alert.AlertService;
import io.videolb.alert.AlertSettings;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.AgentStatus;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.model.MailAddress;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, chaos test 4: health-service as a separate process ({@link HealthServiceProcess}) is {@code SIGKILL}ed,
 * so it writes no {@code checker/ID} tombstone and its last records stay on the health topic as they were. The real
 * agent (plan-only, in this JVM) reports "health stale" within its bound and keeps its state (the substitution of
 * the server that was DOWN, nothing added or dropped); the real alert-service (in this JVM, mailing to GreenMail)
 * mails "health stale" once. health-service started again as a process (same checker id): verdicts resume, the
 * agent is fresh again, the stale incident is mailed resolved once, and nothing flaps. Prints the figures.
 */
class HealthServiceKilledIT {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final long STALE_MS = HealthFreshnessIT.STALE_MS;
    static final String DIRECTOR = "it-hs-killed";
    static final String CHECKER = "hs-killed-it";
    static final String STALE_INCIDENT = "[health-stale/" + DIRECTOR + "]";

    @TempDir
    Path tmp;

    final List<AgentStatus> statuses = new ArrayList<>();
    ServiceRuntime runtime;
    KafkaConsumer<String, String> statusConsumer;
    ServerSocket listening;
    GreenMail greenMail;
    Process health;
    int starts;

    @AfterEach
    void tearDown() throws Exception {
        if (health != null && health.isAlive()) {
            health.destroyForcibly();
            health.waitFor(30, TimeUnit.SECONDS);
        }
        if (runtime != null) runtime.close();
        if (statusConsumer != null) statusConsumer.close(Duration.ofSeconds(2));
        if (listening != null) listening.close();
        if (greenMail != null) greenMail.stop();
    }

    /** Starts {@link HealthServiceProcess} on the test's class path and waits (bounded) for its ready line. */
    void startHealthProcess(Topics topics, int open, int closed) throws Exception {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xmx192m",
                "-cp",
                cp,
                HealthServiceProcess.class.getName(),
                SharedBroker.bootstrapServers(),
                topics.prefix(),
                CHECKER));
        cmd.add(HealthFreshnessIT.FAILED + "=" + closed);
        for (String up : List.of("198.51.100.2", "198.51.100.3", HealthFreshnessIT.BACKUP.toString()))
            cmd.add(up + "=" + open);
        Path log = tmp.resolve("health-service-" + (++starts) + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
        health = pb.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.readString(log).contains(HealthServiceProcess.READY)) return;
            if (!health.isAlive()) throw new AssertionError("health-service process exited: " + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("health-service process not ready within " + WAIT + ": " + Files.readString(log));
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(100)))
                statuses.add(Json.read(r.value(), AgentStatus.class));
            if (!statuses.isEmpty() && p.test(statuses.get(statuses.size() - 1)))
                return statuses.get(statuses.size() - 1);
        }
        throw new AssertionError("no agent status " + what + " within " + WAIT + "; last: "
                + (statuses.isEmpty() ? "none" : statuses.get(statuses.size() - 1)));
    }

    /** Keeps reading statuses for {@code ms} (the agent goes on publishing meanwhile). */
    void collectStatuses(long ms) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (System.nanoTime() < end)
            for (ConsumerRecord<String, String> r : statusConsumer.poll(Duration.ofMillis(100)))
                statuses.add(Json.read(r.value(), AgentStatus.class));
    }

    static void awaitTrue(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    List<String> bodies() {
        List<String> out = new ArrayList<>();
        for (MimeMessage m : greenMail.getReceivedMessages()) {
            try {
                Object c = m.getContent();
                out.add(c instanceof String s ? s.replace("\r\n", "\n") : String.valueOf(c));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** The text of the mail body's section {@code name} ("NEW", "RESOLVED", ...), empty if it has none. */
    static String section(String body, String name) {
        int at = body.indexOf("\n== " + name + " (");
        if (at < 0) return "";
        int next = body.indexOf("\n== ", at + 1);
        int end = body.indexOf("incident(s) open.", at);
        int stop = next < 0 ? end : (end < 0 ? next : Math.min(next, end));
        return body.substring(at, stop < 0 ? body.length() : stop);
    }

    long mailsWith(String sectionName, String text) {
        return bodies().stream()
                .filter(b -> section(b, sectionName).contains(text))
                .count();
    }

    static boolean heldAsBefore(AgentStatus s) {
        return s.pools().size() == 1
                && s.pools().get(0).substitutions().equals(List.of(HealthFreshnessIT.SUBSTITUTION))
                && s.pools().get(0).down().equals(List.of(HealthFreshnessIT.FAILED.toString()));
    }

    @Test
    void aKilledHealthServiceProcessMakesTheAgentReportStaleHoldAndAlertOnceAndARestartResumesWithoutAFlap()
            throws Exception {
        long testStart = System.nanoTime();
        Topics topics = SharedBroker.freshTopics("hskilled");
        listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(
                () -> {
                    while (!listening.isClosed()) {
                        try (Socket s = listening.accept()) {
                            // accepted and closed: the TCP probe's connect succeeds
                        } catch (Exception e) {
                            return;
                        }
                    }
                },
                "it-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();
        int smtpPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            smtpPort = s.getLocalPort();
        }
        ServerSetup setup = new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        greenMail = new GreenMail(setup);
        greenMail.start();

        HealthFreshnessIT.publish(topics, HealthFreshnessIT.cluster());
        startHealthProcess(topics, listening.getLocalPort(), closed);

        runtime = ServiceRuntime.create();
        AlertService alerts = runtime.deploy(new AlertService(
                AlertSettings.builder()
                        .bootstrap(SharedBroker.bootstrapServers())
                        .topics(topics)
                        .httpHost("127.0.0.1")
                        .httpPort(0)
                        .alerting(new AlertBook.Settings(
                                Duration.ofMillis(500), Duration.ofHours(1), Duration.ofMinutes(10), 4))
                        .bounds(Facts.Bounds.defaults())
                        .from(MailAddress.parse("videolb@videolb.example.org"))
                        .extraTo(List.of(MailAddress.parse("ops@videolb.example.org")))
                        .sinkDir(tmp.resolve("sink"))
                        .smtp(new SmtpSettings("127.0.0.1", smtpPort, SmtpSettings.Tls.NONE, null, null))
                        .build(),
                runtime));
        Files.createDirectories(tmp.resolve("state"));
        runtime.deploy(new IpvsAgent(
                AgentSettings.builder()
                        .director(DIRECTOR)
                        .bootstrap(SharedBroker.bootstrapServers())
                        .topics(topics)
                        .policy(new Policy(0.5, 5_000, 0))
                        .sysctlRoot(tmp.resolve("sys"))
                        .stateDir(tmp.resolve("state"))
                        .ipvsRules(null)
                        .iptablesRules(null)
                        .ipsetRules(null)
                        .httpPort(-1)
                        .minInterval(Duration.ofMillis(50))
                        .resync(Duration.ofSeconds(60))
                        .planOnly(true)
                        .healthStale(Duration.ofMillis(STALE_MS))
                        .build(),
                runtime));
        statusConsumer = new KafkaConsumer<>(
                KafkaSettings.of(SharedBroker.bootstrapServers(), "it-status").stateConsumer());
        TopicPartition tp = new TopicPartition(topics.agentStatus(DIRECTOR), 0); // the agent's own topic
        statusConsumer.assign(List.of(tp));
        statusConsumer.seekToBeginning(List.of(tp));

        AgentStatus before = awaitStatus(
                "with " + HealthFreshnessIT.SUBSTITUTION + " and fresh health",
                s -> heldAsBefore(s) && s.health() != null && !s.health().stale());
        int fromSubstitution = statuses.indexOf(before);
        awaitTrue("alert-service caught up", alerts::caughtUp);
        collectStatuses(1_000); // a few verdict refreshes while fresh
        assertThat(mailsWith("NEW", STALE_INCIDENT))
                .as("not stale while the checker runs")
                .isZero();

        // SIGKILL: no clean stop, so no tombstone of checker/ID
        long killAt = System.nanoTime();
        health.destroyForcibly();
        assertThat(health.waitFor(30, TimeUnit.SECONDS)).as("process gone").isTrue();
        long killedMs = (System.nanoTime() - killAt) / 1_000_000;
        AgentStatus stale =
                awaitStatus("stale", s -> s.health() != null && s.health().stale());
        long staleMs = (System.nanoTime() - killAt) / 1_000_000;
        assertThat(stale.health().reason()).contains("no health checker has refreshed");
        assertThat(staleMs)
                .as("reported within the bound plus the last refresh's age and one check")
                .isLessThan(STALE_MS + 500 + 2_000);
        Map<String, String> healthTopic = HealthFreshnessIT.lastValues(topics.health());
        assertThat(healthTopic)
                .as("killed, not stopped: the checker's own record is still there (no tombstone)")
                .containsKey("checker/" + CHECKER);
        assertThat(healthTopic.get("checker/" + CHECKER)).isNotNull();

        awaitTrue("a mail with " + STALE_INCIDENT + " as new", () -> mailsWith("NEW", STALE_INCIDENT) > 0);
        long mailedMs = (System.nanoTime() - killAt) / 1_000_000;
        collectStatuses(2 * STALE_MS); // stale for a while: nothing changes, no second mail

        long restartAt = System.nanoTime();
        startHealthProcess(topics, listening.getLocalPort(), closed);
        long readyMs = (System.nanoTime() - restartAt) / 1_000_000;
        AgentStatus fresh = awaitStatus(
                "fresh again", s -> s.health() != null && !s.health().stale());
        long freshMs = (System.nanoTime() - restartAt) / 1_000_000;
        awaitTrue("a mail with " + STALE_INCIDENT + " as resolved", () -> mailsWith("RESOLVED", STALE_INCIDENT) > 0);
        long resolvedMs = (System.nanoTime() - restartAt) / 1_000_000;
        collectStatuses(2 * STALE_MS); // the restarted checker republishes its verdicts: no flap
        AgentStatus last = awaitStatus(
                "still fresh", s -> s.health() != null && !s.health().stale());

        System.out.printf(
                "FIGURE health-service process SIGKILLed (gone after %d ms) -> agent status 'health stale': %d ms"
                        + " (bound %d ms), stale mail %d ms; restarted (process ready %d ms) -> fresh %d ms,"
                        + " resolved mail %d ms; %d statuses, %d mails, test %d ms%n",
                killedMs,
                staleMs,
                STALE_MS,
                mailedMs,
                readyMs,
                freshMs,
                resolvedMs,
                statuses.size() - fromSubstitution,
                bodies().size(),
                (System.nanoTime() - testStart) / 1_000_000);

        assertThat(heldAsBefore(fresh) && heldAsBefore(last)).isTrue();
        assertThat(statuses.subList(fromSubstitution, statuses.size()))
                .as("from the first substitution on, through the kill and the restart, every status is the same"
                        + " substitution and the same DOWN server: nothing dropped, nothing added")
                .allSatisfy(s -> assertThat(heldAsBefore(s)).as("%s", s).isTrue());
        assertThat(mailsWith("NEW", STALE_INCIDENT))
                .as("mailed as new exactly once")
                .isEqualTo(1);
        assertThat(mailsWith("RESOLVED", STALE_INCIDENT))
                .as("resolved exactly once")
                .isEqualTo(1);
        for (String incident : List.of("[server-down/198.51.100.1]", "[takeover/1/198.51.100.1]")) {
            assertThat(mailsWith("NEW", incident))
                    .as("%s opened once, never again", incident)
                    .isEqualTo(1);
            assertThat(mailsWith("RESOLVED", incident))
                    .as("%s never resolved", incident)
                    .isZero();
        }
        List<String> bodies = bodies();
        assertThat(bodies)
                .as("nothing flaps, nothing came and went, the DOWN server never resolved")
                .allSatisfy(b -> {
                    assertThat(b).doesNotContain("== FLAPPING", "== CAME AND WENT");
                    assertThat(section(b, "RESOLVED")).doesNotContainPattern("198\\.51\\.100\\.1\\b");
                });
        System.out.println("mails: " + bodies);
    }
}
