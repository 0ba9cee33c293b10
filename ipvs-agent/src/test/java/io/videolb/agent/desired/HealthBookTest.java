package io.videolb.agent.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.model.Ipv4Address;
import org.junit.jupiter.api.Test;

/**
 * What the agent acts on: the latest verdict per server by sequence, and the hold-back of DOWN verdicts
 * while a health checker says it is degraded (it, not the servers, is suspect). Every call goes through
 * helpers that also check the promise of the return value: true exactly when the view changed.
 */
class HealthBookTest {
    static final Ipv4Address RS1 = Ipv4Address.parse("198.51.100.1");
    static final Ipv4Address RS2 = Ipv4Address.parse("198.51.100.2");
    static final Ipv4Address RS3 = Ipv4Address.parse("198.51.100.3");

    final HealthBook book = new HealthBook();

    static HealthVerdict verdict(Ipv4Address server, Verdict v, String checker, long sequence, long observedAtMs) {
        return new HealthVerdict(
                server, v, ProbeLevel.TCP, v == Verdict.UP ? "ok" : "refused", 100, checker, sequence, observedAtMs);
    }

    static CheckerStatus checker(String id, boolean degraded, long sequence) {
        return new CheckerStatus(
                id, degraded, degraded ? "known-good target unreachable" : "", sequence, 1_000 * sequence);
    }

    boolean accept(HealthVerdict v) {
        HealthView before = book.view();
        boolean changed = book.accept(v);
        assertThat(changed).as("accept(%s) returns whether the view changed", v).isEqualTo(!before.equals(book.view()));
        return changed;
    }

    boolean accept(CheckerStatus s) {
        HealthView before = book.view();
        boolean changed = book.accept(s);
        assertThat(changed).as("accept(%s) returns whether the view changed", s).isEqualTo(!before.equals(book.view()));
        return changed;
    }

    boolean forget(Ipv4Address server) {
        HealthView before = book.view();
        boolean changed = book.forget(server);
        assertThat(changed)
                .as("forget(%s) returns whether the view changed", server)
                .isEqualTo(!before.equals(book.view()));
        return changed;
    }

    private static io.videolb.events.ServerStreams inventory(Ipv4Address server, long seq, String... publishing) {
        java.util.List<io.videolb.events.ServerStreams.Stream> streams = new java.util.ArrayList<>();
        for (String p : publishing) {
            String[] an = p.split("/");
            streams.add(new io.videolb.events.ServerStreams.Stream(an[0], an[1], true, 3, 0));
        }
        return new io.videolb.events.ServerStreams(server, true, "", streams, 0, "hc-1", seq, seq * 1000);
    }

    private static io.videolb.events.ServerStreams unknownInventory(Ipv4Address server, long seq) {
        return new io.videolb.events.ServerStreams(
                server, false, "stats read error: connection refused", null, 0, "hc-1", seq, seq * 1000);
    }

    private HealthTopicView.Applied applyInventory(io.videolb.events.ServerStreams inv) {
        var applied = book.apply(inv.key(), io.videolb.json.Json.write(inv));
        assertThat(applied.unreadable()).isNull();
        return applied;
    }

    @Test
    void aStreamInventoryIsFoldedBesideTheVerdictAndChangesNoVerdict() {
        accept(verdict(RS1, Verdict.DOWN, "hc-1", 5, 5_000));
        HealthView before = book.view();
        assertThat(applyInventory(inventory(RS1, 6, "live/cam7")).changed()).isTrue();
        assertThat(book.view().servers()).isEqualTo(before.servers());
        assertThat(book.view().down(RS1)).isTrue();
        // seen only while DOWN: what it carries now is known, what it carried while up is not
        assertThat(book.view().streams().get(RS1).carriedWhenUp()).isNull();
        assertThat(book.view().streams().get(RS1).publishing()).containsExactly("live/cam7");
        assertThat(book.apply("inventory/" + RS1, null).changed()).isTrue(); // tombstone: forgotten
        assertThat(book.view().streams()).isEmpty();
    }

    @Test
    void whatAServerCarriedWhileUpOutlivesItsFailureAndAnUnknownInventory() {
        accept(verdict(RS1, Verdict.UP, "hc-1", 5, 5_000));
        assertThat(applyInventory(inventory(RS1, 6, "live/cam7", "live/cam8")).changed())
                .isTrue();
        accept(verdict(RS1, Verdict.DOWN, "hc-1", 7, 7_000));
        assertThat(applyInventory(unknownInventory(RS1, 8)).changed()).isTrue();
        ServerStreamFacts f = book.view().streams().get(RS1);
        assertThat(f.carriedWhenUp()).containsExactlyInAnyOrder("live/cam7", "live/cam8");
        assertThat(f.known()).isFalse();
        assertThat(f.publishing()).isEmpty();
        assertThat(f.reason()).contains("connection refused");
        // a known inventory read while DOWN does not overwrite what it carried while up
        applyInventory(inventory(RS1, 9));
        assertThat(book.view().streams().get(RS1).carriedWhenUp()).containsExactlyInAnyOrder("live/cam7", "live/cam8");
        // up again: its inventory counts again; a stream seen within the freshness bound stays carried
        accept(verdict(RS1, Verdict.UP, "hc-1", 10, 10_000));
        applyInventory(inventory(RS1, 11, "live/cam9"));
        assertThat(book.view().streams().get(RS1).carriedWhenUp())
                .containsExactlyInAnyOrder("live/cam7", "live/cam8", "live/cam9");
        // absent for longer than the bound (observed 6 s -> 40 s): no longer carried
        applyInventory(inventory(RS1, 40, "live/cam9"));
        assertThat(book.view().streams().get(RS1).carriedWhenUp()).containsExactly("live/cam9");
    }

    @Test
    void aStreamVanishingJustBeforeTheServerFailsStaysCarried() {
        accept(verdict(RS1, Verdict.UP, "hc-1", 5, 5_000));
        applyInventory(inventory(RS1, 6, "live/cam7"));
        applyInventory(inventory(RS1, 7)); // the publisher died with the server, a probe before the DOWN
        accept(verdict(RS1, Verdict.DOWN, "hc-1", 8, 8_000));
        assertThat(book.view().streams().get(RS1).carriedWhenUp()).containsExactly("live/cam7");
    }

    @Test
    void viewerCountsAloneChangeNothingAndAnOlderInventoryIsDropped() {
        applyInventory(inventory(RS1, 6, "live/cam7"));
        assertThat(applyInventory(inventory(RS1, 7, "live/cam7")).changed()).isFalse(); // same streams
        assertThat(applyInventory(inventory(RS1, 5, "live/cam8")).changed()).isFalse(); // older sequence
        assertThat(book.view().streams().get(RS1).carriedWhenUp()).containsExactly("live/cam7");
    }

    @Test
    void aServerWithoutAVerdictCountsAsUp() {
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.view().checkerDegraded()).isFalse();
        assertThat(book.degraded()).isFalse();
    }

    @Test
    void theVerdictWithTheHighestSequenceWinsAndStaleOrDuplicateOnesAreDropped() {
        assertThat(accept(verdict(RS1, Verdict.DOWN, "a", 5, 5_000))).isTrue();
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(accept(verdict(RS1, Verdict.UP, "b", 3, 6_000)))
                .as("older sequence, even if observed later")
                .isFalse();
        assertThat(accept(verdict(RS1, Verdict.UP, "a", 5, 6_000)))
                .as("same sequence")
                .isFalse();
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(accept(verdict(RS1, Verdict.UP, "b", 6, 7_000))).isTrue();
        assertThat(book.view().down(RS1)).isFalse();
    }

    @Test
    void aNewerVerdictThatChangesNothingLeavesTheViewAsItIs() {
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        assertThat(accept(verdict(RS1, Verdict.DOWN, "a", 2, 2_000))).isFalse();
        assertThat(book.view().servers().get(RS1))
                .as("down since the first DOWN")
                .isEqualTo(new ServerHealth(false, 1_000));
    }

    @Test
    void aServerFirstSeenUpHasNoFailbackHoldDownButOneThatCameBackIsRecoveringFromItsUpVerdict() {
        accept(verdict(RS1, Verdict.UP, "a", 1, 1_000));
        assertThat(book.view().servers().get(RS1)).isEqualTo(new ServerHealth(true, 0));
        assertThat(book.view().recovering(RS1, 1_001, 30_000)).isFalse();

        accept(verdict(RS2, Verdict.DOWN, "a", 1, 2_000));
        accept(verdict(RS2, Verdict.UP, "a", 2, 3_000));
        assertThat(book.view().servers().get(RS2)).isEqualTo(new ServerHealth(true, 3_000));
        assertThat(book.view().recovering(RS2, 3_000 + 29_999, 30_000)).isTrue();
        assertThat(book.view().recovering(RS2, 3_000 + 30_000, 30_000)).isFalse();
    }

    @Test
    void whileACheckerIsDegradedADownFromAnyCheckerIsHeldBackAndTakesEffectWhenItRecovers() {
        accept(verdict(RS1, Verdict.UP, "a", 1, 1_000));
        assertThat(accept(checker("a", true, 1)))
                .as("the view says the checker is degraded")
                .isTrue();
        assertThat(book.view().checkerDegraded()).isTrue();

        assertThat(accept(verdict(RS1, Verdict.DOWN, "a", 2, 2_000)))
                .as("from the degraded checker")
                .isFalse();
        assertThat(accept(verdict(RS2, Verdict.DOWN, "b", 1, 2_500)))
                .as("from a checker that is not degraded")
                .isFalse();
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.view().down(RS2)).isFalse();

        assertThat(accept(checker("a", false, 2))).isTrue();
        assertThat(book.view().checkerDegraded()).isFalse();
        assertThat(book.view().servers())
                .containsEntry(RS1, new ServerHealth(false, 2_000))
                .containsEntry(RS2, new ServerHealth(false, 2_500));
    }

    @Test
    void upVerdictsStillApplyWhileACheckerIsDegraded() {
        accept(verdict(RS1, Verdict.DOWN, "b", 1, 1_000));
        accept(checker("a", true, 1));
        assertThat(book.view().down(RS1)).as("a DOWN from before stays").isTrue();

        assertThat(accept(verdict(RS1, Verdict.UP, "b", 2, 2_000))).isTrue();
        assertThat(book.view().servers().get(RS1))
                .as("back, recovering since its UP")
                .isEqualTo(new ServerHealth(true, 2_000));
        assertThat(accept(verdict(RS2, Verdict.UP, "a", 1, 2_000)))
                .as("from the degraded checker too")
                .isTrue();
        assertThat(book.view().servers().get(RS2)).isEqualTo(new ServerHealth(true, 0));
    }

    @Test
    void aHeldBackDownThatANewerUpSupersedesNeverTakesEffect() {
        accept(checker("a", true, 1));
        accept(verdict(RS1, Verdict.DOWN, "a", 5, 5_000));
        accept(verdict(RS1, Verdict.UP, "a", 6, 6_000));
        accept(checker("a", false, 2));
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.view().recovering(RS1, 6_001, 30_000))
                .as("never down in the view: no failback hold-down")
                .isFalse();
    }

    @Test
    void theHeldBackDownsWaitUntilNoCheckerIsDegraded() {
        accept(checker("a", true, 1));
        accept(checker("b", true, 1));
        accept(verdict(RS1, Verdict.DOWN, "c", 1, 1_000));

        assertThat(accept(checker("a", false, 2)))
                .as("b is still degraded: nothing changes")
                .isFalse();
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.view().checkerDegraded()).isTrue();

        assertThat(accept(checker("b", false, 2))).isTrue();
        assertThat(book.view().down(RS1)).isTrue();
    }

    @Test
    void aCheckerRecoveringWithNoDownHeldBackChangesOnlyTheDegradedFlag() {
        accept(verdict(RS1, Verdict.UP, "a", 1, 1_000));
        accept(checker("a", true, 1));
        HealthView degraded = book.view();
        assertThat(accept(checker("a", false, 2))).isTrue();
        assertThat(book.view().servers()).isEqualTo(degraded.servers());
        assertThat(book.view().checkerDegraded()).isFalse();
    }

    @Test
    void aStaleOrRepeatedCheckerStatusIsDropped() {
        accept(checker("a", true, 5));
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        assertThat(accept(checker("a", false, 4))).as("older").isFalse();
        assertThat(accept(checker("a", false, 5))).as("same sequence").isFalse();
        assertThat(book.degraded()).isTrue();
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(accept(checker("a", false, 6))).isTrue();
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(accept(checker("a", false, 7))).as("still not degraded").isFalse();
    }

    @Test
    void aDownThatTookEffectStaysWhenACheckerBecomesDegraded() {
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        accept(checker("a", true, 1));
        assertThat(book.view().down(RS1)).isTrue();
        accept(verdict(RS3, Verdict.DOWN, "a", 1, 2_000));
        accept(checker("a", false, 2));
        assertThat(book.view().down(RS1)).isTrue();
        assertThat(book.view().down(RS3)).isTrue();
    }

    @Test
    void aTombstoneForgetsTheServerWhichThenCountsAsUp() {
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        assertThat(forget(RS1)).isTrue();
        assertThat(book.view().down(RS1)).isFalse();
        assertThat(book.view().servers()).doesNotContainKey(RS1);
        assertThat(forget(RS1)).as("already forgotten").isFalse();
    }

    @Test
    void aTombstoneAlsoDropsADownHeldBack() {
        accept(checker("a", true, 1));
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        assertThat(forget(RS1)).as("it never took effect").isFalse();
        accept(checker("a", false, 2));
        assertThat(book.view().down(RS1))
                .as("the tombstone removed the held verdict too")
                .isFalse();
    }

    @Test
    void aViewIsACopyThatLaterVerdictsDoNotChange() {
        HealthView before = book.view();
        accept(verdict(RS1, Verdict.DOWN, "a", 1, 1_000));
        accept(checker("a", true, 1));
        assertThat(before.down(RS1)).isFalse();
        assertThat(before.checkerDegraded()).isFalse();
        assertThat(before.servers()).isEmpty();
    }
}
