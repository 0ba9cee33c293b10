package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.HealthBook;
import io.videolb.alert.incident.Condition;
import io.videolb.alert.incident.Facts;
import io.videolb.config.cluster.KafkaClusterView;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.events.Verdict;
import io.videolb.health.kafka.OwnedHealthRecords;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The four readers of the health topic (ipvs-agent's HealthBook, the admin API's KafkaClusterView,
 * alert-service's Facts, health-service's OwnedHealthRecords), each fed through the (key, value)
 * method its Kafka listener calls, get one record sequence with out-of-order and duplicate
 * sequences, checker reports degraded or not, tombstones of both kinds and malformed records.
 * After every record all four hold the same view and agree on which records were unreadable; the
 * final view is the one written out by hand below; each reader's own reaction follows from it.
 */
class HealthReadersAgreeTest {
    private static final Ipv4Address A = Ipv4Address.parse("192.0.2.10");
    private static final Ipv4Address B = Ipv4Address.parse("192.0.2.20");
    private static final Ipv4Address C = Ipv4Address.parse("192.0.2.30");

    private static HealthVerdict verdict(Ipv4Address server, Verdict v, long seq) {
        return new HealthVerdict(
                server,
                v,
                ProbeLevel.RTMP,
                v == Verdict.UP ? "handshake ok" : "connection refused",
                800,
                "hc-1",
                seq,
                1_000 * seq);
    }

    private static CheckerStatus checker(String id, boolean degraded, long seq) {
        return new CheckerStatus(id, degraded, degraded ? "known-good target failed" : "", seq, 1_000 * seq);
    }

    private record Step(String what, String key, String value, boolean unreadable) {}

    private static final List<Step> STEPS = new ArrayList<>();

    private static void ok(String what, HealthRecord r) {
        STEPS.add(new Step(what, r.key(), r.value(), false));
    }

    private static void bad(String what, String key, String value) {
        STEPS.add(new Step(what, key, value, true));
    }

    static {
        ok("A up", new HealthRecord.ServerVerdict(verdict(A, Verdict.UP, 10)));
        ok("B up", new HealthRecord.ServerVerdict(verdict(B, Verdict.UP, 10)));
        ok("A down", new HealthRecord.ServerVerdict(verdict(A, Verdict.DOWN, 12)));
        ok("A up, older (reordered)", new HealthRecord.ServerVerdict(verdict(A, Verdict.UP, 11)));
        ok("A down again, duplicate", new HealthRecord.ServerVerdict(verdict(A, Verdict.DOWN, 12)));
        ok("A up, same sequence", new HealthRecord.ServerVerdict(verdict(A, Verdict.UP, 12)));
        ok("hc-1 degraded", new HealthRecord.CheckerReport(checker("hc-1", true, 5)));
        ok("B down while hc-1 is degraded", new HealthRecord.ServerVerdict(verdict(B, Verdict.DOWN, 13)));
        ok("hc-1 fine, older (reordered)", new HealthRecord.CheckerReport(checker("hc-1", false, 4)));
        ok("hc-1 fine, same sequence", new HealthRecord.CheckerReport(checker("hc-1", false, 5)));
        ok("hc-2 fine", new HealthRecord.CheckerReport(checker("hc-2", false, 1)));
        ok("C down", new HealthRecord.ServerVerdict(verdict(C, Verdict.DOWN, 7)));
        ok("C deleted", new HealthRecord.VerdictTombstone(C));
        ok(
                "C up again with a low sequence (afresh after its tombstone)",
                new HealthRecord.ServerVerdict(verdict(C, Verdict.UP, 1)));
        ok("hc-1 deleted (a dead checker)", new HealthRecord.CheckerTombstone("hc-1"));
        bad("malformed JSON", A.toString(), "{\"server\":\"192.0.2.10\",");
        bad("JSON null", B.toString(), "null");
        bad("A's verdict under B's key", B.toString(), Json.write(verdict(A, Verdict.UP, 99)));
        bad("hc-1's report under hc-2's key", "checker/hc-2", Json.write(checker("hc-1", true, 50)));
        bad(
                "oversized value",
                A.toString(),
                Json.write(verdict(A, Verdict.UP, 100)).replace("handshake ok", "x".repeat(70_000)));
        bad("a key of neither kind", "server-a", Json.write(verdict(A, Verdict.UP, 101)));
        bad("a checker key without an id", "checker/", null);
        bad("no key", null, Json.write(verdict(A, Verdict.UP, 102)));
        ok("tombstone of a server never seen", new HealthRecord.VerdictTombstone(Ipv4Address.parse("192.0.2.99")));
        ok("tombstone of a checker never seen", new HealthRecord.CheckerTombstone("hc-9"));
        ok("hc-2 degraded", new HealthRecord.CheckerReport(checker("hc-2", true, 2)));
        ok("hc-2 degraded, duplicate", new HealthRecord.CheckerReport(checker("hc-2", true, 2)));
        ok("hc-2 fine", new HealthRecord.CheckerReport(checker("hc-2", false, 3)));
    }

    @Test
    void theFourReadersHoldTheSameViewAfterEveryRecord() {
        HealthBook agent = new HealthBook();
        KafkaClusterView adminApi = KafkaClusterView.unconnected(Topics.DEFAULT);
        Facts alert = new Facts();
        SequenceClock sequences = new SequenceClock(() -> 0);
        OwnedHealthRecords healthService = new OwnedHealthRecords(sequences);

        for (Step s : STEPS) {
            List<HealthTopicView.Applied> applied = List.of(
                    agent.apply(s.key(), s.value()),
                    adminApi.applyHealth(s.key(), s.value()),
                    alert.health(s.key(), s.value()),
                    healthService.apply(s.key(), s.value()));
            for (HealthTopicView.Applied a : applied) {
                assertThat(a.unreadable() != null)
                        .as("%s: unreadable", s.what())
                        .isEqualTo(s.unreadable());
            }
            Map<String, HealthTopicView.Snapshot> views = views(agent, adminApi, alert, healthService);
            views.forEach((reader, view) ->
                    assertThat(view).as("%s after '%s'", reader, s.what()).isEqualTo(views.get("ipvs-agent")));
        }

        TreeMap<Ipv4Address, HealthVerdict> verdicts = new TreeMap<>(
                Map.of(A, verdict(A, Verdict.DOWN, 12), B, verdict(B, Verdict.DOWN, 13), C, verdict(C, Verdict.UP, 1)));
        TreeMap<String, CheckerStatus> checkers = new TreeMap<>(Map.of("hc-2", checker("hc-2", false, 3)));
        HealthTopicView.Snapshot expected = new HealthTopicView.Snapshot(verdicts, checkers);
        assertThat(views(agent, adminApi, alert, healthService))
                .allSatisfy((reader, view) -> assertThat(view).as(reader).isEqualTo(expected));
        long unreadable = STEPS.stream().filter(Step::unreadable).count();
        assertThat(agent.unreadableCount()).isEqualTo(unreadable);
        assertThat(adminApi.unreadableHealthRecords()).isEqualTo(unreadable);
        assertThat(healthService.unreadableCount()).isEqualTo(unreadable);

        // each reader's own reaction to that view
        assertThat(agent.degraded()).isFalse();
        assertThat(agent.view().down(A)).isTrue();
        assertThat(agent.view().down(B))
                .as("held back while hc-1 was degraded, released by hc-1's tombstone")
                .isTrue();
        assertThat(agent.view().down(C)).isFalse();
        assertThat(alert.conditions().stream().map(Condition::id))
                .containsExactly("server-down/192.0.2.10", "server-down/192.0.2.20");
        assertThat(sequences.next(A))
                .as("continues above the highest sequence read, never above an unreadable one")
                .isEqualTo(13);
        assertThat(sequences.next(B)).isEqualTo(14);
        assertThat(sequences.next("checker/hc-2")).isEqualTo(4);
    }

    @Test
    void theAgentHoldsBackADownOnlyWhileTheCheckerIsDegradedButFoldsItAnyway() {
        HealthBook agent = new HealthBook();
        for (Step s : STEPS) {
            agent.apply(s.key(), s.value());
            if (s.what().equals("B down while hc-1 is degraded")) {
                assertThat(agent.view().down(B)).as("held back").isFalse();
                assertThat(agent.topic().verdicts().get(B).verdict())
                        .as("but folded")
                        .isEqualTo(Verdict.DOWN);
            }
            if (s.what().equals("hc-2 degraded")) assertThat(agent.degraded()).isTrue();
        }
        assertThat(agent.view().down(B)).isTrue();
    }

    private static Map<String, HealthTopicView.Snapshot> views(
            HealthBook agent, KafkaClusterView adminApi, Facts alert, OwnedHealthRecords health) {
        Map<String, HealthTopicView.Snapshot> m = new LinkedHashMap<>();
        m.put("ipvs-agent", agent.topic());
        TreeMap<Ipv4Address, HealthVerdict> adminVerdicts = new TreeMap<>();
        adminApi.health().forEach((address, v) -> adminVerdicts.put(Ipv4Address.parse(address), v));
        m.put("admin-api", new HealthTopicView.Snapshot(adminVerdicts, new TreeMap<>(adminApi.checkers())));
        m.put("alert-service", alert.healthTopic());
        m.put("health-service", health.snapshot());
        return m;
    }
}
