package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.IpvsAgent;
import io.videolb.alert.AlertService;
import io.videolb.app.testing.LoopbackAcceptor;
import io.videolb.app.testing.MailCatcher;
import io.videolb.app.testing.PlanOnlyAgent;
import io.videolb.events.AgentStatus;
import io.videolb.events.Topics;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.Await;
import io.videolb.testsupport.kafka.AgentStatusWatch;
import io.videolb.testsupport.kafka.SharedBroker;
import io.videolb.testsupport.process.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
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
    static final long STALE_MS = HealthFreshnessIT.STALE_MS;
    static final String DIRECTOR = "it-hs-killed";
    static final String CHECKER = "hs-killed-it";
    static final String STALE_INCIDENT = "[health-stale/" + DIRECTOR + "]";

    @TempDir
    Path tmp;

    ServiceRuntime runtime;
    AgentStatusWatch status;
    LoopbackAcceptor listening;
    MailCatcher mail;
    ChildJvm health;
    int starts;

    @AfterEach
    void tearDown() throws Exception {
        if (health != null) health.close();
        if (runtime != null) runtime.close();
        if (status != null) status.close();
        if (listening != null) listening.close();
        if (mail != null) mail.close();
    }

    /** Starts {@link HealthServiceProcess} on the test's class path and waits (bounded) for its ready line. */
    void startHealthProcess(Topics topics, int open, int closed) throws Exception {
        List<String> args = new ArrayList<>(List.of(SharedBroker.bootstrapServers(), topics.prefix(), CHECKER));
        args.add(HealthFreshnessIT.FAILED + "=" + closed);
        for (String up : List.of("198.51.100.2", "198.51.100.3", HealthFreshnessIT.BACKUP.toString()))
            args.add(up + "=" + open);
        health = ChildJvm.start(
                        "health-service",
                        HealthServiceProcess.class,
                        List.of("-XX:TieredStopAtLevel=1", "-Xmx192m"),
                        args,
                        tmp.resolve("health-service-" + (++starts) + ".log"))
                .awaitLine(HealthServiceProcess.READY, Await.WAIT);
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        return status.await(what, p);
    }

    long mailsWith(String sectionName, String text) {
        return mail.count(sectionName, text);
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
        listening = new LoopbackAcceptor();
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();
        mail = MailCatcher.start();

        HealthFreshnessIT.publish(topics, HealthFreshnessIT.cluster());
        startHealthProcess(topics, listening.port(), closed);

        runtime = ServiceRuntime.create();
        AlertService alerts =
                runtime.deploy(new AlertService(mail.alertSettings(topics, tmp.resolve("sink")), runtime));
        Files.createDirectories(tmp.resolve("state"));
        runtime.deploy(new IpvsAgent(
                PlanOnlyAgent.settings(DIRECTOR, topics, tmp, Duration.ofMillis(STALE_MS))
                        .build(),
                runtime));
        status = AgentStatusWatch.of(topics);

        AgentStatus before = awaitStatus(
                "with " + HealthFreshnessIT.SUBSTITUTION + " and fresh health",
                s -> heldAsBefore(s) && s.health() != null && !s.health().stale());
        int fromSubstitution = status.statuses().indexOf(before);
        Await.until("alert-service caught up", alerts::caughtUp);
        status.collect(1_000); // a few verdict refreshes while fresh
        assertThat(mailsWith("NEW", STALE_INCIDENT))
                .as("not stale while the checker runs")
                .isZero();

        // SIGKILL: no clean stop, so no tombstone of checker/ID
        long killAt = System.nanoTime();
        assertThat(health.kill(Duration.ofSeconds(30))).as("process gone").isTrue();
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

        Await.until("a mail with " + STALE_INCIDENT + " as new", () -> mailsWith("NEW", STALE_INCIDENT) > 0);
        long mailedMs = (System.nanoTime() - killAt) / 1_000_000;
        status.collect(2 * STALE_MS); // stale for a while: nothing changes, no second mail

        long restartAt = System.nanoTime();
        startHealthProcess(topics, listening.port(), closed);
        long readyMs = (System.nanoTime() - restartAt) / 1_000_000;
        AgentStatus fresh = awaitStatus(
                "fresh again", s -> s.health() != null && !s.health().stale());
        long freshMs = (System.nanoTime() - restartAt) / 1_000_000;
        Await.until("a mail with " + STALE_INCIDENT + " as resolved", () -> mailsWith("RESOLVED", STALE_INCIDENT) > 0);
        long resolvedMs = (System.nanoTime() - restartAt) / 1_000_000;
        status.collect(2 * STALE_MS); // the restarted checker republishes its verdicts: no flap
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
                status.statuses().size() - fromSubstitution,
                mail.bodies().size(),
                (System.nanoTime() - testStart) / 1_000_000);

        assertThat(heldAsBefore(fresh) && heldAsBefore(last)).isTrue();
        assertThat(status.statuses().subList(fromSubstitution, status.statuses().size()))
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
        List<String> bodies = mail.bodies();
        assertThat(bodies)
                .as("nothing flaps, nothing came and went, the DOWN server never resolved")
                .allSatisfy(b -> {
                    assertThat(b).doesNotContain("== FLAPPING", "== CAME AND WENT");
                    assertThat(MailCatcher.section(b, "RESOLVED")).doesNotContainPattern("198\\.51\\.100\\.1\\b");
                });
        System.out.println("mails: " + bodies);
    }
}
