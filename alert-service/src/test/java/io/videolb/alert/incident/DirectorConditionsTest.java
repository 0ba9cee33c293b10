package io.videolb.alert.incident;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.AgentStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The director conditions of issues 10 and 12 (pure: statuses in, conditions out), and how the book mails them. */
class DirectorConditionsTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final String INJECT = "x\r\nBcc: evil@example.net\r\n";
    private static final Facts.Bounds BOUNDS = new Facts.Bounds(
            Duration.ofSeconds(60),
            Duration.ofSeconds(120),
            Duration.ofSeconds(300),
            Duration.ofSeconds(2),
            Duration.ofMinutes(10));

    static AgentStatus status(
            String dir,
            long at,
            long applied,
            long desired,
            List<AgentStatus.DrainStatus> drains,
            AgentStatus.DirectorHa ha,
            AgentStatus.HealthFreshness health,
            List<String> foreign) {
        return new AgentStatus(
                dir, "apply", applied, desired, at, at, 0, List.of(), List.of(), List.of(), drains, ha, health,
                foreign);
    }

    static AgentStatus plain(String dir, long at) {
        return status(dir, at, 3, 3, List.of(), null, null, List.of());
    }

    static AgentStatus.DirectorHa master(long since, long takeoverAt, String reason) {
        return new AgentStatus.DirectorHa(
                "MASTER", true, since, "master+backup", 1234, "director-b", takeoverAt, reason, "");
    }

    private static List<String> ids(Facts f, long now) {
        return f.conditions(now).stream().map(Condition::id).toList();
    }

    @Test
    void aSilentAgentIsReportedAfterTheBoundAndNotBefore() {
        Facts f = new Facts(BOUNDS);
        f.agent("director-a", plain("director-a", T0));
        assertThat(ids(f, T0 + 60_000)).isEmpty();
        assertThat(ids(f, T0 + 60_001)).containsExactly("agent-silent/director-a");
        f.agent("director-a", plain("director-a", T0 + 61_000));
        assertThat(ids(f, T0 + 61_500)).isEmpty();
    }

    @Test
    void anAgentBehindTheDesiredGenerationIsReportedOnlyAfterTheBound() {
        Facts f = new Facts(BOUNDS);
        f.agent("director-a", status("director-a", T0, 3, 4, List.of(), null, null, List.of()));
        assertThat(ids(f, T0)).isEmpty();
        f.agent("director-a", status("director-a", T0 + 120_000, 3, 4, List.of(), null, null, List.of()));
        assertThat(ids(f, T0 + 120_000)).isEmpty();
        f.agent("director-a", status("director-a", T0 + 120_500, 3, 4, List.of(), null, null, List.of()));
        assertThat(ids(f, T0 + 120_500)).containsExactly("agent-behind/director-a");
        // caught up: gone, and the clock starts again when it falls behind again
        f.agent("director-a", status("director-a", T0 + 121_000, 4, 4, List.of(), null, null, List.of()));
        assertThat(ids(f, T0 + 121_000)).isEmpty();
        f.agent("director-a", status("director-a", T0 + 122_000, 4, 5, List.of(), null, null, List.of()));
        assertThat(ids(f, T0 + 122_000)).isEmpty();
        // a plan-only agent applies nothing by design: that is "apply failing", not "behind"
        Facts g = new Facts(BOUNDS);
        g.agent(
                "d",
                new AgentStatus(
                        "d",
                        "plan-only",
                        0,
                        4,
                        T0,
                        T0,
                        0,
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(),
                        null,
                        null,
                        null));
        assertThat(ids(g, T0)).isEmpty();
        assertThat(ids(g, T0 + 200_000)).doesNotContain("agent-behind/d");
    }

    @Test
    void healthStaleForeignRulesAndADrainNearItsDeadlineWithViewers() {
        Facts f = new Facts(BOUNDS);
        AgentStatus.DrainStatus near =
                new AgentStatus.DrainStatus(10, "192.0.2.11", INJECT, T0 - 600_000, T0 + 299_000, 7, 1, false);
        AgentStatus.DrainStatus far =
                new AgentStatus.DrainStatus(10, "192.0.2.12", "failback", T0, T0 + 900_000, 7, 1, false);
        AgentStatus.DrainStatus past =
                new AgentStatus.DrainStatus(10, "192.0.2.14", "failback", T0 - 900_000, T0 - 1_000, 4, 0, true);
        AgentStatus.DrainStatus empty =
                new AgentStatus.DrainStatus(10, "192.0.2.13", "failback", T0, T0 + 1_000, 0, 3, false);
        List<String> rules = new ArrayList<>();
        for (int i = 0; i < 25; i++)
            rules.add("-A PREROUTING -s 198.51.100." + i + "/32 -p tcp --dport 1935 -j MARK --set-mark 2"
                    + (i == 0 ? INJECT : ""));
        f.agent(
                "director-a",
                status(
                        "director-a",
                        T0,
                        3,
                        3,
                        List.of(near, far, empty, past),
                        null,
                        new AgentStatus.HealthFreshness(true, 45_000, 30_000, INJECT),
                        rules));
        List<Condition> cs = f.conditions(T0);
        assertThat(cs)
                .extracting(Condition::id)
                .containsExactly(
                        "health-stale/director-a",
                        "foreign-rules/director-a",
                        "drain-deadline/10/192.0.2.11",
                        "drain/10/192.0.2.14");
        Condition rulesC = cs.get(1);
        assertThat(rulesC.title()).isEqualTo("25 foreign rule(s) override steering on director director-a");
        assertThat(rulesC.details())
                .hasSize(1 + Facts.MAX_RULES_LISTED + 1)
                .last()
                .isEqualTo("... and 5 more");
        assertThat(cs.get(2).title()).isEqualTo("drain of 192.0.2.11 in pool 10 near its deadline with 7 viewers");
        assertThat(cs.get(2).details().get(0)).contains("7 active connection(s) 299 s before its drain deadline");
        for (Condition c : cs) {
            assertThat(c.id() + c.title()).doesNotContain("\r", "\n", "evil");
            assertThat(c.details()).allMatch(d -> !d.contains("\r") && !d.contains("\n"));
        }
        assertThat(cs.get(0).details()).anyMatch(d -> d.contains("x\\r\\nBcc: evil@example.net\\r\\n"));
    }

    @Test
    void aTakeoverIsOneEventAndIsMailedOnceThenDroppedSilently() {
        Facts f = new Facts(BOUNDS);
        AlertBook b = new AlertBook(
                new AlertBook.Settings(Duration.ofSeconds(10), Duration.ofMinutes(60), Duration.ofMinutes(10), 4));
        long takeover = T0 + 1_000;
        f.agent(
                "director-b",
                status(
                        "director-b",
                        takeover,
                        3,
                        3,
                        List.of(),
                        master(takeover, takeover, "peer director-a silent" + INJECT),
                        null,
                        List.of()));
        List<Digest> mails = new ArrayList<>();
        for (long t = T0 + 1_000; t <= T0 + 3 * 3_600_000L; t += 5_000) {
            f.agent(
                    "director-b",
                    status(
                            "director-b",
                            t,
                            3,
                            3,
                            List.of(),
                            master(takeover, takeover, "peer director-a silent" + INJECT),
                            null,
                            List.of()));
            b.observe(f.conditions(t), t);
            b.due(t).ifPresent(mails::add);
            b.changes();
        }
        assertThat(mails).hasSize(1);
        Digest d = mails.get(0);
        assertThat(d.subject()).isEqualTo("[videolb] 1 new, 0 resolved, 1 open: director director-b took over the VIP");
        assertThat(d.body())
                .contains(
                        "director takeover",
                        "became MASTER at",
                        "why: peer director-a silentx\\r\\nBcc",
                        "connections in its IPVS table: 1234");
        assertThat(b.incidents()).isEmpty(); // dropped after the notice window, without a mail
        assertThat(b.openCount()).isZero();
    }

    @Test
    void splitBrainNeedsOverlappingClaimsForLongerThanTheBoundAndIsMailedAtOnce() {
        Facts f = new Facts(BOUNDS);
        AlertBook b = new AlertBook(
                new AlertBook.Settings(Duration.ofSeconds(10), Duration.ofMinutes(60), Duration.ofMinutes(10), 4));
        // A held the VIP and died (last status at T0); B took over after that: no split brain
        f.agent(
                "director-a",
                status("director-a", T0, 3, 3, List.of(), master(T0 - 3_600_000, 0, ""), null, List.of()));
        f.agent(
                "director-b",
                status(
                        "director-b",
                        T0 + 3_000,
                        3,
                        3,
                        List.of(),
                        master(T0 + 2_000, T0 + 2_000, "no adverts"),
                        null,
                        List.of()));
        assertThat(ids(f, T0 + 3_000)).doesNotContain("split-brain/vip");
        assertThat(ids(f, T0 + 30_000)).doesNotContain("split-brain/vip");
        // A reports again, still holding: both hold the VIP now
        long t1 = T0 + 31_000;
        f.agent(
                "director-a",
                status("director-a", t1, 3, 3, List.of(), master(T0 - 3_600_000, 0, ""), null, List.of()));
        assertThat(ids(f, t1)).doesNotContain("split-brain/vip");
        b.observe(f.conditions(t1), t1);
        b.due(t1).ifPresent(x -> {}); // the takeover waits for the grouping window
        assertThat(ids(f, t1 + 1_999)).doesNotContain("split-brain/vip");
        List<Condition> at = f.conditions(t1 + 2_000);
        assertThat(at).extracting(Condition::id).contains("split-brain/vip");
        b.observe(at, t1 + 2_000);
        Digest d = b.due(t1 + 2_000).orElseThrow(); // urgent: no grouping window
        assertThat(d.subject())
                .startsWith("[videolb] 2 new, 0 resolved, 2 open: split brain: 2 directors hold the VIP");
        assertThat(d.body()).contains("director director-a: VRRP MASTER", "director director-b: VRRP MASTER");
        b.changes();
        // A yields: resolved, one mail
        long t2 = t1 + 5_000;
        f.agent(
                "director-a",
                status(
                        "director-a",
                        t2,
                        3,
                        3,
                        List.of(),
                        new AgentStatus.DirectorHa("BACKUP", false, t2, "backup", 1200, "director-b", 0, "", "parity"),
                        null,
                        List.of()));
        b.observe(f.conditions(t2), t2);
        Optional<Digest> r = b.due(t2);
        assertThat(r).isPresent();
        assertThat(r.get().subject())
                .isEqualTo("[videolb] 0 new, 1 resolved, 0 open: resolved: split brain: 2 directors hold the VIP");
    }
}
