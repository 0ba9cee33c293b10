package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.AgentStatus;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PromoteParityTest {
    static final long NOW = 1_800_000_000_000L;
    final PromoteParity rule = new PromoteParity(0.99, Duration.ofSeconds(120));

    static AgentStatus ha(String dir, String state, boolean holds, int conns, long ageMs, String peer) {
        long at = NOW - ageMs;
        return new AgentStatus(
                dir,
                "apply",
                0,
                0,
                at,
                at,
                0,
                null,
                null,
                null,
                null,
                new AgentStatus.DirectorHa(state, holds, at, "master+backup", conns, peer, 0, "", ""),
                null,
                null);
    }

    static Map<String, AgentStatus> pair(
            int holderConns, long holderAge, String targetState, int targetConns, long targetAge) {
        Map<String, AgentStatus> m = new HashMap<>();
        m.put("dir-a", ha("dir-a", "MASTER", true, holderConns, holderAge, "dir-b"));
        m.put("dir-b", ha("dir-b", targetState, false, targetConns, targetAge, "dir-a"));
        return m;
    }

    @Test
    void refusedBelowCoverageWithBothCountsAndTheRequirement() {
        PromoteParity.Verdict v = rule.check("dir-b", pair(1000, 1_000, "BACKUP", 980, 2_000), NOW);
        assertThat(v.allowed()).isFalse();
        assertThat(v.holder()).isEqualTo("dir-a");
        assertThat(v.holderConnections()).isEqualTo(1000);
        assertThat(v.targetConnections()).isEqualTo(980);
        assertThat(v.required()).isEqualTo(990);
        assertThat(v.holderAgeMs()).isEqualTo(1_000);
        assertThat(v.targetAgeMs()).isEqualTo(2_000);
        assertThat(v.reason()).contains("980", "1000", "990", "dir-a");
        assertThat(v.figure()).isEqualTo("parity 980 of 1000 connections (needs 990 at coverage 0.99)");
    }

    @Test
    void allowedAtExactlyTheRequiredCountAndAbove() {
        assertThat(rule.check("dir-b", pair(1000, 0, "BACKUP", 990, 0), NOW).allowed())
                .isTrue();
        assertThat(rule.check("dir-b", pair(1000, 0, "BACKUP", 989, 0), NOW).allowed())
                .isFalse();
        assertThat(rule.check("dir-b", pair(1000, 0, "BACKUP", 1200, 0), NOW).allowed())
                .isTrue();
        // 1 connection at 0.99 needs 1, not 0
        assertThat(rule.check("dir-b", pair(1, 0, "BACKUP", 0, 0), NOW).allowed())
                .isFalse();
        assertThat(new PromoteParity(1.0, Duration.ofSeconds(1))
                        .check("dir-b", pair(7, 0, "BACKUP", 7, 0), NOW)
                        .allowed())
                .isTrue();
    }

    @Test
    void holderWithoutConnectionsAllowsAnEmptyTarget() {
        PromoteParity.Verdict v = rule.check("dir-b", pair(0, 0, "BACKUP", 0, 0), NOW);
        assertThat(v.allowed()).isTrue();
        assertThat(v.required()).isZero();
        assertThat(v.reason()).isEmpty();
    }

    @Test
    void staleStatusesAreNotTrusted() {
        PromoteParity.Verdict target = rule.check("dir-b", pair(10, 0, "BACKUP", 10, 120_001), NOW);
        assertThat(target.allowed()).isFalse();
        assertThat(target.reason()).contains("status of dir-b", "120001 ms old", "bound 120000 ms");
        PromoteParity.Verdict holder = rule.check("dir-b", pair(10, 300_000, "BACKUP", 10, 0), NOW);
        assertThat(holder.allowed()).isFalse();
        assertThat(holder.reason()).contains("holder dir-a", "300000 ms old");
        assertThat(rule.check("dir-b", pair(10, 120_000, "BACKUP", 10, 120_000), NOW)
                        .allowed())
                .isTrue();
        // stale even when the holder has nothing to cover: the zero itself is not trusted
        assertThat(rule.check("dir-b", pair(0, 500_000, "BACKUP", 0, 0), NOW).allowed())
                .isFalse();
    }

    @Test
    void targetThatIsNotBackupIsRefusedWhateverItsCount() {
        for (String s : new String[] {"FAULT", "STOP", "UNKNOWN"}) {
            PromoteParity.Verdict v = rule.check("dir-b", pair(0, 0, s, 100, 0), NOW);
            assertThat(v.allowed()).as(s).isFalse();
            assertThat(v.reason()).contains("is " + s + ", not BACKUP");
        }
        assertThat(rule.check("nobody", pair(0, 0, "BACKUP", 0, 0), NOW).reason())
                .contains("reports no director HA");
    }

    @Test
    void noHolderMeansNothingToCoverAndSplitBrainTakesTheLargestHolder() {
        Map<String, AgentStatus> alone = new HashMap<>();
        alone.put("dir-b", ha("dir-b", "BACKUP", false, 0, 0, "dir-a"));
        PromoteParity.Verdict v = rule.check("dir-b", alone, NOW);
        assertThat(v.allowed()).isTrue();
        assertThat(v.holder()).isEmpty();
        assertThat(v.holderAgeMs()).isEqualTo(-1);

        Map<String, AgentStatus> m = pair(100, 0, "BACKUP", 150, 0);
        m.put("dir-c", ha("dir-c", "MASTER", true, 400, 0, "x"));
        // the configured peer dir-a holds the VIP: it is the one measured against
        assertThat(rule.check("dir-b", m, NOW).holder()).isEqualTo("dir-a");
        m.put("dir-a", ha("dir-a", "BACKUP", false, 100, 0, "dir-b"));
        PromoteParity.Verdict other = rule.check("dir-b", m, NOW);
        assertThat(other.holder()).isEqualTo("dir-c");
        assertThat(other.allowed()).isFalse();
    }

    @Test
    void settingsOutsideTheirRangeAreRefused() {
        assertThatThrownBy(() -> new PromoteParity(0, Duration.ofSeconds(1))).hasMessageContaining("coverage");
        assertThatThrownBy(() -> new PromoteParity(1.01, Duration.ofSeconds(1))).hasMessageContaining("coverage");
        assertThatThrownBy(() -> new PromoteParity(0.5, Duration.ZERO)).hasMessageContaining("maxStatusAge");
    }
}
