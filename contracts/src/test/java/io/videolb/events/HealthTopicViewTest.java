package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.HealthTopicView.Effect;
import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTopicViewTest {
    private static final Ipv4Address A = Ipv4Address.parse("192.0.2.11");
    private static final Ipv4Address B = Ipv4Address.parse("192.0.2.2");

    private static HealthRecord v(Ipv4Address server, Verdict verdict, long seq) {
        return new HealthRecord.ServerVerdict(
                new HealthVerdict(server, verdict, ProbeLevel.RTMP, "r" + seq, 10, "c1", seq, 1000 + seq));
    }

    private static HealthRecord checker(String id, boolean degraded, long seq) {
        return new HealthRecord.CheckerReport(
                new CheckerStatus(id, degraded, degraded ? "mass failure" : "", seq, 2000 + seq));
    }

    @Test
    void theHighestSequencePerServerWinsAndDuplicatesOrOlderOnesAreIgnored() {
        HealthTopicView view = new HealthTopicView();
        assertThat(view.apply(v(A, Verdict.DOWN, 5))).isEqualTo(Effect.CHANGED);
        assertThat(view.apply(v(A, Verdict.UP, 5))).as("same sequence").isEqualTo(Effect.UNCHANGED);
        assertThat(view.apply(v(A, Verdict.UP, 4))).as("older").isEqualTo(Effect.UNCHANGED);
        assertThat(view.verdict(A).verdict()).isEqualTo(Verdict.DOWN);
        assertThat(view.apply(v(A, Verdict.UP, 6))).isEqualTo(Effect.CHANGED);
        assertThat(view.verdict(A).sequence()).isEqualTo(6);
        assertThat(view.verdict(B)).isNull();
    }

    @Test
    void aSequenceFarInTheFutureIsRefusedInsteadOfPinningTheVerdictForever() {
        long nowMs = 1_700_000_000_000L;
        HealthTopicView view = new HealthTopicView(() -> nowMs, 60_000);
        long nowMicros = nowMs * 1000;
        assertThat(view.apply(v(A, Verdict.UP, nowMicros))).isEqualTo(Effect.CHANGED);
        assertThat(view.apply(v(A, Verdict.DOWN, Long.MAX_VALUE))).isEqualTo(Effect.UNREADABLE);
        assertThat(view.apply(checker("hc-1", true, Long.MAX_VALUE))).isEqualTo(Effect.UNREADABLE);
        assertThat(view.apply(v(A, Verdict.DOWN, nowMicros + 61_000_000L)))
                .as("beyond the skew")
                .isEqualTo(Effect.UNREADABLE);
        assertThat(view.apply(v(A, Verdict.DOWN, nowMicros + 59_000_000L)))
                .as("within the skew")
                .isEqualTo(Effect.CHANGED);
        assertThat(view.apply(v(A, Verdict.UP, nowMicros + 59_000_001L)))
                .as("the next real verdict still wins")
                .isEqualTo(Effect.CHANGED);
        assertThat(view.unreadableCount()).isEqualTo(3);
        HealthTopicView.Applied applied = view.apply(
                A.toString(),
                Json.write(
                        new HealthVerdict(A, Verdict.DOWN, ProbeLevel.RTMP, "pinned", 1, "evil", Long.MAX_VALUE, 0)));
        assertThat(applied.unreadable()).isNotNull();
        assertThat(applied.unreadable().problem()).contains("ahead of this reader's clock");
        assertThat(view.verdict(A).verdict()).isEqualTo(Verdict.UP);
    }

    @Test
    void checkerReportsFollowTheSameSequenceRule() {
        HealthTopicView view = new HealthTopicView();
        assertThat(view.apply(checker("hc-1", true, 3))).isEqualTo(Effect.CHANGED);
        assertThat(view.anyCheckerDegraded()).isTrue();
        assertThat(view.apply(checker("hc-1", false, 3))).as("same sequence").isEqualTo(Effect.UNCHANGED);
        assertThat(view.apply(checker("hc-1", false, 2))).as("older").isEqualTo(Effect.UNCHANGED);
        assertThat(view.anyCheckerDegraded()).isTrue();
        assertThat(view.apply(checker("hc-1", false, 4))).isEqualTo(Effect.CHANGED);
        assertThat(view.anyCheckerDegraded()).isFalse();
    }

    @Test
    void tombstonesRemoveTheirKeyWhateverSequenceWasKeptAndTheKeyStartsAfresh() {
        HealthTopicView view = new HealthTopicView();
        view.apply(v(B, Verdict.DOWN, 9));
        view.apply(checker("hc-1", true, 9));
        assertThat(view.apply(new HealthRecord.VerdictTombstone(B))).isEqualTo(Effect.CHANGED);
        assertThat(view.apply(new HealthRecord.VerdictTombstone(B)))
                .as("already gone")
                .isEqualTo(Effect.UNCHANGED);
        assertThat(view.apply(new HealthRecord.CheckerTombstone("hc-1"))).isEqualTo(Effect.CHANGED);
        assertThat(view.apply(new HealthRecord.CheckerTombstone("hc-1"))).isEqualTo(Effect.UNCHANGED);
        assertThat(view.anyCheckerDegraded())
                .as("a dead checker's report went away")
                .isFalse();
        assertThat(view.snapshot()).isEqualTo(HealthTopicView.Snapshot.EMPTY);
        assertThat(view.apply(v(B, Verdict.UP, 1)))
                .as("after a tombstone any sequence is new")
                .isEqualTo(Effect.CHANGED);
    }

    @Test
    void aVerdictTombstoneLeavesTheCheckersAndTheOtherServersAlone() {
        HealthTopicView view = new HealthTopicView();
        view.apply(v(A, Verdict.UP, 1));
        view.apply(v(B, Verdict.DOWN, 1));
        view.apply(checker("hc-1", false, 1));
        view.apply(new HealthRecord.VerdictTombstone(A));
        assertThat(view.verdicts()).containsOnlyKeys(B);
        assertThat(view.checkers()).containsOnlyKeys("hc-1");
    }

    @Test
    void unreadableRecordsChangeNothingAndAreCounted() {
        HealthTopicView view = new HealthTopicView();
        view.apply(v(A, Verdict.UP, 1));
        HealthTopicView.Snapshot before = view.snapshot();
        HealthTopicView.Applied a = view.apply("192.0.2.11", "{broken");
        assertThat(a.changed()).isFalse();
        assertThat(a.unreadable()).isNotNull();
        assertThat(view.apply(new HealthRecord.Unreadable("x", "bad"))).isEqualTo(Effect.UNREADABLE);
        assertThat(view.unreadableCount()).isEqualTo(2);
        assertThat(view.snapshot()).isEqualTo(before);
    }

    @Test
    void applyingKeyAndValueDecodesOnceAndSaysWhatChanged() {
        HealthTopicView view = new HealthTopicView();
        HealthRecord r = v(A, Verdict.DOWN, 3);
        HealthTopicView.Applied first = view.apply(r.key(), r.value());
        assertThat(first).isEqualTo(new HealthTopicView.Applied(r, true));
        assertThat(first.unreadable()).isNull();
        assertThat(view.apply(r.key(), r.value()).changed()).as("duplicate").isFalse();
        assertThat(view.apply("checker/hc-1", Json.write(new CheckerStatus("hc-1", false, "", 1, 1)))
                        .changed())
                .isTrue();
    }

    @Test
    void keysAreKeptInOrderAndCanBeForgottenByTopicKey() {
        HealthTopicView view = new HealthTopicView();
        view.apply(v(A, Verdict.UP, 1));
        view.apply(v(B, Verdict.DOWN, 1));
        view.apply(checker("hc-2", false, 1));
        view.apply(checker("hc-1", false, 1));
        assertThat(List.copyOf(view.verdicts().keySet())).containsExactly(B, A); // 192.0.2.2 before 192.0.2.11
        assertThat(List.copyOf(view.checkers().keySet())).containsExactly("hc-1", "hc-2");
        view.removeKeysIf(k -> k.equals("192.0.2.11") || k.equals("checker/hc-2"));
        assertThat(view.verdicts()).containsOnlyKeys(B);
        assertThat(view.checkers()).containsOnlyKeys("hc-1");
    }

    @Test
    void aSnapshotIsACopyThatLaterRecordsDoNotChange() {
        HealthTopicView view = new HealthTopicView();
        view.apply(v(A, Verdict.UP, 1));
        HealthTopicView.Snapshot copy = view.snapshot();
        view.apply(v(A, Verdict.DOWN, 2));
        assertThat(copy.verdicts().get(A).verdict()).isEqualTo(Verdict.UP);
        assertThat(view.verdicts().get(A).verdict()).isEqualTo(Verdict.DOWN);
        assertThat(copy).isNotEqualTo(view.snapshot());
        assertThat(new HealthTopicView.Snapshot(
                        new java.util.TreeMap<>(java.util.Map.of(A, view.verdict(A))), new java.util.TreeMap<>()))
                .as("equal content, equal snapshots")
                .isEqualTo(view.snapshot());
    }
}
