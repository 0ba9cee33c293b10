package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Maintenance;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The history topic's fold: a full generation is a base, diffs apply in order, a gap or a missing base makes a
 * generation unavailable, the digest is checked; maintenance records round-trip, and a state without maintenance
 * encodes (and digests) exactly as before maintenance existed, so old generations read the same.
 */
class GenerationHistoryTest {
    static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    static DesiredState state(int clients) {
        ClusterParams params = new ClusterParams(
                ip("198.51.100.10"), Ipv4Network.parse("203.0.113.0/24"), List.of(), 60, new Fwmark(50), Scheduler.WLC);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(new Fwmark(50), new Pool(new Fwmark(50), Scheduler.RR, List.of(RealServer.of(ip("192.0.2.14")))));
        TreeMap<Ipv4Network, Fwmark> c = new TreeMap<>();
        for (int i = 0; i < clients; i++)
            c.put(new Ipv4Network(new Ipv4Address(ip("203.0.113.0").bits() + i), 32), new Fwmark(50));
        return new DesiredState(params, c, pools, new TreeMap<>(Map.of(ip("192.0.2.14"), ip("192.0.2.24"))));
    }

    /** The history records a publisher writes for {@code next} after {@code before}. */
    static List<HistoryRecord> publish(long g, DesiredState before, DesiredState next, boolean full) {
        SortedMap<String, String> b = before == null ? new TreeMap<>() : DesiredRecords.encode(before);
        SortedMap<String, String> a = DesiredRecords.encode(next);
        SortedMap<String, String> changes = DesiredRecords.diff(b, a);
        GenerationMarker m = new GenerationMarker(g, DesiredRecords.digest(a), a.size(), changes.size(), "t", "t", g);
        return HistoryRecord.parts(m, full, full ? a : changes);
    }

    @Test
    void fullThenDiffsRebuildEveryGenerationAndBigOnesAreCutIntoParts() {
        DesiredState s1 = state(5000); // 5002 entities: 3 parts
        DesiredState s2 = s1.withClient(Ipv4Network.parse("203.0.113.0/32"), null);
        DesiredState s3 =
                s2.withMaintenance(ip("192.0.2.14"), new Maintenance(ip("192.0.2.14"), 1_000, 601_000, "ops"));
        List<HistoryRecord> g1 = publish(1, null, s1, true);
        assertThat(g1).hasSize(3);
        GenerationHistory h = new GenerationHistory();
        // parts of a generation may arrive in any order; a generation is there once all its parts are
        h.add(g1.get(2));
        h.add(g1.get(0));
        assertThat(h.available()).isEmpty();
        h.add(g1.get(1));
        publish(2, s1, s2, false).forEach(h::add);
        publish(3, s2, s3, false).forEach(h::add);
        assertThat(h.available()).extracting(GenerationMarker::generation).containsExactly(1L, 2L, 3L);
        assertThat(h.state(1)).contains(s1);
        assertThat(h.state(2)).contains(s2);
        assertThat(h.state(3)).contains(s3);
        assertThat(h.state(3).orElseThrow().maintenance()).containsKey(ip("192.0.2.14"));
        assertThat(h.state(4)).isEmpty();
    }

    @Test
    void withoutItsBaseOrAfterAGapAGenerationIsNotAvailable() {
        DesiredState s1 = state(3);
        DesiredState s2 = state(4);
        DesiredState s3 = state(5);
        DesiredState s4 = state(6);
        GenerationHistory h = new GenerationHistory();
        publish(2, s1, s2, false).forEach(h::add); // its base (1, full) expired from the topic
        publish(4, s3, s4, false).forEach(h::add); // 3 is missing
        assertThat(h.available()).isEmpty();
        assertThat(h.state(2)).isEmpty();
        publish(5, s4, s1, true).forEach(h::add); // a full one is a base again
        publish(6, s1, s2, false).forEach(h::add);
        assertThat(h.available()).extracting(GenerationMarker::generation).containsExactly(5L, 6L);
        assertThat(h.state(6)).contains(s2);
    }

    @Test
    void aRebuiltGenerationWhoseDigestDiffersIsAnError() {
        DesiredState s1 = state(3);
        GenerationHistory h = new GenerationHistory();
        HistoryRecord r = publish(1, null, s1, true).get(0);
        TreeMap<String, String> wrong = new TreeMap<>(r.records());
        wrong.remove(wrong.firstKey());
        h.add(new HistoryRecord(1, 0, 1, true, r.marker(), wrong));
        assertThatThrownBy(() -> h.state(1)).hasMessageContaining("digest");
    }

    @Test
    void maintenanceIsItsOwnRecordAndAStateWithoutItEncodesAsBefore() {
        DesiredState s = state(2);
        assertThat(DesiredRecords.encode(s).keySet()).noneMatch(k -> k.startsWith(DesiredRecords.MAINTENANCE));
        Maintenance m = new Maintenance(ip("192.0.2.24"), 5, 10, "ops");
        DesiredState drained = s.withMaintenance(m.server(), m);
        SortedMap<String, String> records = DesiredRecords.encode(drained);
        assertThat(records).containsKey("maintenance/192.0.2.24");
        assertThat(DesiredRecords.decode(records)).isEqualTo(drained);
        assertThat(drained.csvPart()).isEqualTo(s);
        // an import (a state from files) keeps the maintenance of servers it still configures, drops the others
        assertThat(s.keepingMaintenanceOf(drained)).isEqualTo(drained);
        DesiredState noBackup = s.withBackup(ip("192.0.2.14"), null);
        assertThat(noBackup.keepingMaintenanceOf(drained).maintenance()).isEmpty();
        // a maintenance record under the wrong key is refused
        TreeMap<String, String> bad = new TreeMap<>(records);
        bad.put("maintenance/192.0.2.99", bad.remove("maintenance/192.0.2.24"));
        assertThatThrownBy(() -> DesiredRecords.decode(bad)).hasMessageContaining("maintenance/192.0.2.99");
    }

    @Test
    void removingAServerTakesItsBackupRowAndMaintenanceWithIt() {
        DesiredState s = state(1).withMaintenance(ip("192.0.2.14"), new Maintenance(ip("192.0.2.14"), 1, 2, "ops"))
                .withPool(
                        new Fwmark(50),
                        new Pool(new Fwmark(50), Scheduler.RR, List.of(RealServer.of(ip("192.0.2.15")))))
                .withoutOrphans();
        assertThat(s.backups()).isEmpty();
        assertThat(s.maintenance()).isEmpty();
    }
}
