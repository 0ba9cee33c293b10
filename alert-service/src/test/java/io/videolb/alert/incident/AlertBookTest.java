package io.videolb.alert.incident;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertBookTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final AlertBook.Settings S = new AlertBook.Settings(Duration.ofSeconds(10), Duration.ofMinutes(60), Duration.ofMinutes(10), 4);

    private static Condition down(String ip) {
        return new Condition("server-down/" + ip, Condition.Kind.SERVER_DOWN, "server " + ip + " down", List.of("reason: refused"));
    }

    @Test
    void aBurstOfChangesWithinTheWindowGivesOneMail() {
        AlertBook b = new AlertBook(S);
        b.observe(List.of(down("192.0.2.1")), T0 + 0);
        b.observe(List.of(down("192.0.2.1"), down("192.0.2.2")), T0 + 3_000);
        assertThat(b.due(T0 + 9_999)).isEmpty();
        Digest d = b.due(T0 + 10_000).orElseThrow();
        assertThat(d.subject()).isEqualTo("[videolb] 2 new, 0 resolved, 2 open: server 192.0.2.1 down (+1 more)");
        assertThat(d.opened()).isEqualTo(2);
        assertThat(b.due(T0 + 11_000)).isEmpty();
    }

    @Test
    void anOpenIncidentIsRepeatedOnlyAtTheRepeatInterval() {
        AlertBook b = new AlertBook(S);
        b.observe(List.of(down("192.0.2.1")), T0 + 0);
        assertThat(b.due(T0 + 10_000)).isPresent();
        int mails = 0;
        for (long t = 10_000; t <= 10_000 + 2 * 3_600_000L; t += 1_000) {
            b.observe(List.of(down("192.0.2.1")), T0 + t);
            Optional<Digest> d = b.due(T0 + t);
            if (d.isPresent()) {
                mails++;
                assertThat(d.get().subject()).isEqualTo("[videolb] 0 new, 0 resolved, 1 open: still open: server 192.0.2.1 down");
            }
        }
        assertThat(mails).isEqualTo(2);
    }

    @Test
    void anEndedIncidentGetsOneResolutionMailAndIsDeleted() {
        AlertBook b = new AlertBook(S);
        b.observe(List.of(down("192.0.2.1")), T0 + 0);
        b.due(T0 + 10_000).orElseThrow();
        b.changes();
        b.observe(List.of(), T0 + 20_000);
        Digest d = b.due(T0 + 30_000).orElseThrow();
        assertThat(d.subject()).isEqualTo("[videolb] 0 new, 1 resolved, 0 open: resolved: server 192.0.2.1 down");
        assertThat(d.body()).contains("== RESOLVED (1)", "open for 20 s");
        AlertBook.Changes c = b.changes();
        assertThat(c.removed()).containsExactly("server-down/192.0.2.1");
        assertThat(b.incidents()).isEmpty();
        assertThat(b.due(T0 + 40_000)).isEmpty();
    }

    @Test
    void aBlipInsideTheWindowIsReportedOnceAsCameAndWent() {
        AlertBook b = new AlertBook(S);
        b.observe(List.of(down("192.0.2.1")), T0 + 0);
        b.observe(List.of(), T0 + 2_000);
        Digest d = b.due(T0 + 10_000).orElseThrow();
        assertThat(d.subject()).isEqualTo("[videolb] 0 new, 1 resolved, 0 open: came and went: server 192.0.2.1 down");
        assertThat(b.incidents()).isEmpty();
    }

    @Test
    void aFlappingServerGivesAFewMailsNotOnePerChange() {
        AlertBook b = new AlertBook(S);
        List<Digest> mails = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 200; i++, t += 5_000) { // a change every 5 s for 1000 s
            b.observe(i % 2 == 0 ? List.of(down("192.0.2.1")) : List.of(), T0 + t);
            b.due(T0 + t).ifPresent(mails::add);
        }
        for (; t < 2_000_000; t += 1_000) {
            b.observe(List.of(), T0 + t);
            b.due(T0 + t).ifPresent(mails::add);
        }
        assertThat(mails).hasSizeLessThanOrEqualTo(3);
        assertThat(mails.get(0).subject()).contains("1 new"); // before the threshold it is an ordinary new incident
        assertThat(mails.get(1).body()).contains("FLAPPING");
        assertThat(mails.get(mails.size() - 1).subject()).contains("settled");
        assertThat(b.incidents()).isEmpty();
    }

    @Test
    void restoredIncidentsProduceNoNewMailWhenNothingChanged() {
        AlertBook first = new AlertBook(S);
        first.observe(List.of(down("192.0.2.1")), T0 + 0);
        first.due(T0 + 10_000).orElseThrow();
        AlertBook second = new AlertBook(S);
        second.restore(first.incidents().values());
        second.observe(List.of(down("192.0.2.1")), T0 + 20_000);
        assertThat(second.due(T0 + 40_000)).isEmpty();
        assertThat(second.changes().isEmpty()).isTrue();
    }
}
