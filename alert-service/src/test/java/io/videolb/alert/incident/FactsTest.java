package io.videolb.alert.incident;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.model.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class FactsTest {
    private static final String INJECT = "a\r\nBcc: evil@example.net\r\nX: y";

    @Test
    void aStaleVerdictIsDropped() {
        Facts f = new Facts();
        Ipv4Address s = Ipv4Address.parse("192.0.2.1");
        assertThat(f.verdict(new HealthVerdict(s, Verdict.DOWN, ProbeLevel.TCP, "", 0, "c", 5, 0)))
                .isTrue();
        assertThat(f.verdict(new HealthVerdict(s, Verdict.UP, ProbeLevel.TCP, "", 0, "c", 4, 0)))
                .isFalse();
        assertThat(f.conditions(System.currentTimeMillis()))
                .extracting(Condition::id)
                .containsExactly("server-down/192.0.2.1");
    }

    @Test
    void eventTextNeverReachesIdsOrTitlesAndIsEscapedInDetails() {
        Facts f = new Facts();
        f.checker(new CheckerStatus(INJECT, true, INJECT, 1, 0));
        f.agent(
                INJECT,
                new AgentStatus(
                        INJECT,
                        INJECT,
                        1,
                        1,
                        0,
                        0,
                        0,
                        List.of(),
                        List.of(INJECT),
                        List.of(new AgentStatus.PoolStatus(
                                7, List.of(), List.of(INJECT, "192.0.2.1->192.0.2.2"), true, List.of(INJECT))),
                        List.of(new AgentStatus.DrainStatus(7, INJECT, INJECT, 0, 0, 0, 0, true))));
        List<Condition> cs = f.conditions(System.currentTimeMillis());
        assertThat(cs)
                .extracting(Condition::id)
                .containsExactly(
                        "panic/7",
                        "checker/" + Condition.token(INJECT),
                        "apply/" + Condition.token(INJECT),
                        "takeover/7/192.0.2.1");
        for (Condition c : cs) {
            assertThat(c.id() + c.title()).doesNotContain("\r", "\n", "evil");
            assertThat(c.details()).allMatch(d -> !d.contains("\r") && !d.contains("\n"));
        }
        assertThat(Condition.token(INJECT)).matches("h[0-9a-f]{16}");
    }

    @Test
    void bodyTextEscapesEveryControlCharacter() {
        assertThat(BodyText.line("a\r\nb\u0000c\u2028d\te")).isEqualTo("a\\r\\nb\\x00c\\x2028d\\te");
    }

    @Test
    void aBackupRefusedForLackingAStreamIsOneIncidentPerPoolServerAndBackupAndUndecidedNotesAreNotMailed() {
        Facts f = new Facts();
        AgentStatus.PoolStatus pool = new AgentStatus.PoolStatus(
                7,
                List.of("192.0.2.2:1"),
                List.of(),
                false,
                List.of("192.0.2.11"),
                List.of(),
                List.of(
                        "192.0.2.11: backup 192.0.2.21 lacks stream live/cam7",
                        "192.0.2.11: backup 192.0.2.22 lacks stream live/c<a>m, live/cam8",
                        "192.0.2.11: inventory of backup 192.0.2.23 unknown (timeout): used unchecked",
                        "192.0.2.11: backup 192.0.2.24 lacks stream " + INJECT),
                List.of());
        AgentStatus status =
                new AgentStatus("d1", "plan-only", 1, 1, 0, 0, 0, List.of(), List.of(), List.of(pool), List.of());
        f.agent("d1", status);
        f.agent("d2", status); // two directors saying the same: the same incidents
        List<Condition> cs = f.conditions(System.currentTimeMillis()).stream()
                .filter(c -> c.kind() == Condition.Kind.BACKUP_REFUSED)
                .toList();
        assertThat(cs)
                .extracting(Condition::id)
                .containsOnly("backup-refused/7/192.0.2.11/192.0.2.21", "backup-refused/7/192.0.2.11/192.0.2.22");
        Condition first = cs.stream()
                .filter(c -> c.id().endsWith("192.0.2.21"))
                .findFirst()
                .orElseThrow();
        assertThat(first.title()).isEqualTo("backup 192.0.2.21 lacks stream live/cam7");
        assertThat(first.details().get(0)).contains("backup 192.0.2.21 lacks stream live/cam7");
        assertThat(first.details().get(1)).contains("does not stand in for 192.0.2.11 in pool (fwmark) 7");
        Condition odd = cs.stream()
                .filter(c -> c.id().endsWith("192.0.2.22"))
                .findFirst()
                .orElseThrow();
        // a name that is no safe token reaches the subject only as a hash; the body has it
        assertThat(odd.title())
                .startsWith("backup 192.0.2.22 lacks stream live/h")
                .endsWith("(+1 more)");
        assertThat(odd.details().get(0)).contains("live/c<a>m, live/cam8");
    }
}
