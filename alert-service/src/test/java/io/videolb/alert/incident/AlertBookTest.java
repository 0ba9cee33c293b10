package io.videolb.alert.incident;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AlertBookTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final AlertBook.Settings S =
            new AlertBook.Settings(Duration.ofSeconds(10), Duration.ofMinutes(60), Duration.ofMinutes(10), 4);

    private static Condition down(String ip) {
        return new Condition(
                "server-down/" + ip, Condition.Kind.SERVER_DOWN, "server " + ip + " down", List.of("reason: refused"));
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
                assertThat(d.get().subject())
                        .isEqualTo("[videolb] 0 new, 0 resolved, 1 open: still open: server 192.0.2.1 down");
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
        // changes at 0, 5, .., 25 s are in the flap window when the flapping mail is due at 25 s
        assertThat(mails.get(1).subject()).isEqualTo("[videolb] server 192.0.2.1 flapping (6 changes in 25 s), now up");
        assertThat(mails.get(mails.size() - 1).subject())
                .isEqualTo("[videolb] server 192.0.2.1 settled after 200 changes, now up");
        assertThat(mails).extracting(Digest::subject).noneMatch(s -> s.contains("0 new, 0 resolved, 0 open"));
        assertThat(b.incidents()).isEmpty();
    }

    @Test
    void aFastFlappingServerIsNamedWithItsChangeCountInTheSubject() {
        AlertBook b = new AlertBook(S);
        List<Digest> mails = new ArrayList<>();
        for (long t = 0; t <= 10_000; t += 1_000) { // a change every second: flapping from the 4th change on
            b.observe(t % 2_000 == 0 ? List.of(down("192.0.2.11")) : List.of(), T0 + t);
            b.due(T0 + t).ifPresent(mails::add);
        }
        assertThat(mails).hasSize(1);
        assertThat(mails.get(0).subject())
                .isEqualTo("[videolb] server 192.0.2.11 flapping (11 changes in 10 s), now down");
        assertThat(mails.get(0).flapping()).isEqualTo(1);
    }

    @Test
    void theChangeCountStaysExactUpToTheStoredBoundAndTheRecordStaysBounded() {
        AlertBook b = new AlertBook(S);
        for (long t = 0; t < 200_000; t += 1_000) { // 200 changes within one flap window
            b.observe(t % 2_000 == 0 ? List.of(down("192.0.2.11")) : List.of(), T0 + t);
        }
        Incident i = b.incidents().get("server-down/192.0.2.11");
        assertThat(i.flips()).hasSize(AlertBook.MAX_FLIPS);
        assertThat(i.flipsTotal()).isEqualTo(200);
        Digest d = b.due(T0 + 200_000).orElseThrow();
        // the 64 most recent changes: at 136 s .. 199 s, a span of 63 s
        assertThat(d.subject()).isEqualTo("[videolb] server 192.0.2.11 flapping (64 changes in 63 s), now up");
    }

    @Test
    void aFlappingPoolOrDrainIsNamedByItsMarkAndServer() {
        AlertBook b = new AlertBook(S);
        Condition panic = new Condition("panic/10", Condition.Kind.PANIC, "pool 10 in panic, 2 down", List.of());
        Condition drain = new Condition(
                "drain/20/192.0.2.12",
                Condition.Kind.DRAIN_STUCK,
                "drain of 192.0.2.12 in pool 20 past deadline",
                List.of());
        for (long t = 0; t <= 5_000; t += 1_000) {
            b.observe(t % 2_000 == 0 ? List.of(panic, drain) : List.of(), T0 + t);
        }
        Digest d = b.due(T0 + 10_000).orElseThrow();
        // PANIC sorts before DRAIN_STUCK; at 10 s the last change (5 s) left both ended
        assertThat(d.subject()).isEqualTo("[videolb] pool 10 flapping (6 changes in 5 s), now out of panic (+1 more)");
        assertThat(d.body()).contains("drain past its deadline: drain of 192.0.2.12 in pool 20 past deadline");
        assertThat(AlertBook.flappingHeadline(b.incidents().get("drain/20/192.0.2.12")))
                .isEqualTo("drain of 192.0.2.12 in pool 20 flapping (6 changes in 5 s), now done");
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
