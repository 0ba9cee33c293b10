package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.json.Json;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Issue 13: HMAC-signed generation markers, key rotation, and the folder that refuses what does not verify. */
class GenerationSigningTest {
    static GenerationKeys.Key key(int fill) {
        byte[] b = new byte[32];
        Arrays.fill(b, (byte) fill);
        return GenerationKeys.Key.of(b);
    }

    static final GenerationKeys.Key OLD = key(1);
    static final GenerationKeys.Key NEW = key(2);

    static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    /** VIP 198.51.100.10, default mark 50 with one server; one client in mark 50. */
    static DesiredState state(String server) {
        ClusterParams params = new ClusterParams(
                ip("198.51.100.10"),
                Ipv4Network.parse("203.0.113.0/24"),
                List.of(MailAddress.parse("ops@example.com")),
                60,
                new Fwmark(50),
                Scheduler.WLC);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(new Fwmark(50), new Pool(new Fwmark(50), Scheduler.RR, List.of(RealServer.of(ip(server)))));
        return new DesiredState(
                params,
                new TreeMap<>(Map.of(Ipv4Network.parse("203.0.113.21"), new Fwmark(50))),
                pools,
                new TreeMap<>());
    }

    static GenerationMarker unsigned(long generation, SortedMap<String, String> records) {
        return new GenerationMarker(
                generation, DesiredRecords.digest(records), records.size(), records.size(), "api", "ops", 1000, null);
    }

    @Test
    void aSignedMarkerVerifiesWithItsKeyAndTheKeyIdIsInTheMarker() {
        SortedMap<String, String> records = DesiredRecords.encode(state("192.0.2.11"));
        GenerationKeys keys = GenerationKeys.of(NEW, List.of(), true);
        GenerationMarker m = keys.sign(unsigned(1, records), records);
        assertThat(m.keyId()).isEqualTo(NEW.id()).startsWith("k").hasSize(17);
        assertThat(m.signature()).hasSize(64);
        assertThat(keys.refusal(m, records)).isEmpty();
        // survives the JSON round trip readers do
        GenerationMarker read = Json.read(Json.write(m), GenerationMarker.class);
        assertThat(keys.refusal(read, records)).isEmpty();
        assertThat(NEW.toString()).doesNotContain("AgIC"); // never the secret
    }

    @Test
    void duringARotationReadersAcceptTheCurrentAndThePreviousKeyAndNothingElse() {
        SortedMap<String, String> records = DesiredRecords.encode(state("192.0.2.11"));
        GenerationMarker byOld = GenerationKeys.of(OLD, List.of(), true).sign(unsigned(1, records), records);
        GenerationMarker byNew = GenerationKeys.of(NEW, List.of(), true).sign(unsigned(2, records), records);
        GenerationKeys rotating = GenerationKeys.of(NEW, List.of(OLD), true);
        assertThat(rotating.acceptedIds()).containsExactly(NEW.id(), OLD.id());
        assertThat(rotating.refusal(byOld, records)).isEmpty();
        assertThat(rotating.refusal(byNew, records)).isEmpty();
        // the rotation signs with the new key only
        assertThat(rotating.sign(unsigned(3, records), records).keyId()).isEqualTo(NEW.id());
        // after it (previous key dropped): the old key's markers are refused by their key id
        GenerationKeys after = GenerationKeys.of(NEW, List.of(), true);
        assertThat(after.refusal(byOld, records))
                .hasValueSatisfying(r -> assertThat(r).contains("unknown key id '" + OLD.id() + "'"));
        // a reader that has not got the new key yet refuses the new key's markers
        assertThat(GenerationKeys.of(OLD, List.of(), true).refusal(byNew, records))
                .hasValueSatisfying(r -> assertThat(r).contains("unknown key id"));
    }

    @Test
    void changingAnySignedFieldOrRecordBreaksTheSignature() {
        SortedMap<String, String> records = DesiredRecords.encode(state("192.0.2.11"));
        GenerationKeys keys = GenerationKeys.of(NEW, List.of(), true);
        GenerationMarker m = keys.sign(
                new GenerationMarker(7, DesiredRecords.digest(records), records.size(), 2, "api", "ops", 1000, "aa"),
                records);
        Map<String, UnaryOperator<GenerationMarker>> tampers = Map.of(
                "generation",
                        x -> copy(
                                x,
                                8,
                                x.digest(),
                                x.entities(),
                                x.changes(),
                                x.source(),
                                x.actor(),
                                x.publishedAtMs(),
                                x.importedDigest()),
                "digest",
                        x -> copy(
                                x,
                                x.generation(),
                                "00" + x.digest().substring(2),
                                x.entities(),
                                x.changes(),
                                x.source(),
                                x.actor(),
                                x.publishedAtMs(),
                                x.importedDigest()),
                "entities",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities() + 1,
                                x.changes(),
                                x.source(),
                                x.actor(),
                                x.publishedAtMs(),
                                x.importedDigest()),
                "changes",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities(),
                                3,
                                x.source(),
                                x.actor(),
                                x.publishedAtMs(),
                                x.importedDigest()),
                "source",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities(),
                                x.changes(),
                                "import:/etc",
                                x.actor(),
                                x.publishedAtMs(),
                                x.importedDigest()),
                "actor",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities(),
                                x.changes(),
                                x.source(),
                                "mallory",
                                x.publishedAtMs(),
                                x.importedDigest()),
                "publishedAtMs",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities(),
                                x.changes(),
                                x.source(),
                                x.actor(),
                                1001,
                                x.importedDigest()),
                "importedDigest",
                        x -> copy(
                                x,
                                x.generation(),
                                x.digest(),
                                x.entities(),
                                x.changes(),
                                x.source(),
                                x.actor(),
                                x.publishedAtMs(),
                                null),
                "signature", x -> x.signed(x.keyId(), flipLastHex(x.signature())));
        tampers.forEach((field, tamper) -> assertThat(keys.refusal(tamper.apply(m), records))
                .as("tampered %s", field)
                .hasValueSatisfying(r -> assertThat(r).contains("wrong signature")));
        // the key id: another accepted key's id with this signature
        GenerationKeys both = GenerationKeys.of(NEW, List.of(OLD), true);
        assertThat(both.refusal(m.signed(OLD.id(), m.signature()), records))
                .hasValueSatisfying(r -> assertThat(r).contains("wrong signature"));
        // the records: one value changed, one record added, one removed
        TreeMap<String, String> changed = new TreeMap<>(records);
        changed.put(
                DesiredRecords.poolKey(new Fwmark(50)),
                Json.write(state("192.0.2.66").pools().get(new Fwmark(50))));
        TreeMap<String, String> added = new TreeMap<>(records);
        added.put("client/203.0.113.99", "{}");
        TreeMap<String, String> removed = new TreeMap<>(records);
        removed.remove(removed.lastKey());
        for (SortedMap<String, String> r : List.of(changed, added, removed))
            assertThat(keys.refusal(m, r)).hasValueSatisfying(x -> assertThat(x).contains("wrong signature"));
        assertThat(keys.refusal(m, records)).isEmpty();
    }

    @Test
    void unsignedMarkersAreRefusedWhereSignaturesAreRequiredAndAcceptedOnlyDuringAMigration() {
        SortedMap<String, String> records = DesiredRecords.encode(state("192.0.2.11"));
        GenerationMarker plain = unsigned(1, records);
        assertThat(GenerationKeys.of(NEW, List.of(), true).refusal(plain, records))
                .hasValueSatisfying(r -> assertThat(r).contains("not signed"));
        assertThat(GenerationKeys.of(NEW, List.of(), false).refusal(plain, records))
                .isEmpty();
        assertThat(GenerationKeys.NONE.refusal(plain, records)).isEmpty();
        // a key id without signature, or a signature that is not hex
        assertThat(GenerationKeys.NONE.refusal(plain.signed(NEW.id(), null), records))
                .isPresent();
        assertThat(GenerationKeys.of(NEW, List.of(), false).refusal(plain.signed(NEW.id(), "zz"), records))
                .hasValueSatisfying(r -> assertThat(r).contains("not hex"));
        assertThatThrownBy(() -> GenerationKeys.of(null, List.of(), true)).hasMessageContaining("no generation key");
        assertThatThrownBy(() -> GenerationKeys.Key.of(new byte[16])).hasMessageContaining("at least 32 bytes");
    }

    @Test
    void theSignedTextIsUnambiguous() {
        TreeMap<String, String> a = new TreeMap<>(Map.of("client/1", "x\nkey:1:y"));
        TreeMap<String, String> b = new TreeMap<>(Map.of("client/1", "x", "y", ""));
        GenerationMarker m = new GenerationMarker(1, "d", 1, 1, "s", "a", 0, null);
        assertThat(GenerationKeys.signedText(m, a)).isNotEqualTo(GenerationKeys.signedText(m, b));
    }

    static GenerationMarker copy(
            GenerationMarker x, long g, String d, int e, int c, String s, String a, long p, String i) {
        return new GenerationMarker(g, d, e, c, s, a, p, i, x.keyId(), x.signature());
    }

    static String flipLastHex(String hex) {
        char last = hex.charAt(hex.length() - 1);
        return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
    }

    // ---- the folder: the reader side

    static void publish(DesiredStateFolder f, GenerationKeys keys, long generation, DesiredState s) {
        SortedMap<String, String> before = new TreeMap<>(f.entities());
        SortedMap<String, String> after = DesiredRecords.encode(s);
        DesiredRecords.diff(before, after).forEach(f::apply);
        GenerationMarker m = keys.sign(unsigned(generation, after), after);
        f.apply(DesiredRecords.GENERATION, Json.write(m));
    }

    @Test
    void theFolderRefusesAForgedGenerationKeepsTheLastGoodOneAndAppliesTheNextGoodOne() {
        GenerationKeys keys = GenerationKeys.of(NEW, List.of(), true);
        DesiredStateFolder f = new DesiredStateFolder(keys);
        publish(f, keys, 1, state("192.0.2.11"));
        assertThat(f.latest())
                .hasValueSatisfying(s -> assertThat(s.generation()).isEqualTo(1));
        // forged: new pool record and a marker with a valid plain digest, signed by nobody
        DesiredState evil = state("192.0.2.66");
        publish(f, GenerationKeys.NONE, 2, evil);
        assertThat(f.latest().orElseThrow().generation()).isEqualTo(1);
        assertThat(f.refusal()).hasValueSatisfying(r -> assertThat(r.reason()).contains("not signed"));
        // a forger's own key
        publish(f, GenerationKeys.of(OLD, List.of(), true), 2, evil);
        assertThat(f.refusal()).hasValueSatisfying(r -> assertThat(r.reason()).contains("unknown key id"));
        // the next good generation (config-service replaces what was written) is applied and clears the refusal
        publish(f, keys, 2, state("192.0.2.12"));
        assertThat(f.latest().orElseThrow().state()).isEqualTo(state("192.0.2.12"));
        assertThat(f.refusal()).isEmpty();
        assertThat(f.refusedTotal()).isEqualTo(2);
    }

    @Test
    void aSignedGenerationWithAServerInMaintenanceIsAccepted() {
        // found at the merge of signed generations (issue 13) with maintenance records (issue 15): the folder's list
        // of entity keys did not know maintenance/, so every reader refused any generation with a drain in it
        GenerationKeys keys = GenerationKeys.of(NEW, List.of(), true);
        DesiredStateFolder f = new DesiredStateFolder(keys);
        publish(f, keys, 1, state("192.0.2.11"));
        DesiredState drained = state("192.0.2.11")
                .withMaintenance(
                        ip("192.0.2.11"),
                        new io.videolb.model.Maintenance(ip("192.0.2.11"), 1_000L, 601_000L, "api:admin"));
        publish(f, keys, 2, drained);
        assertThat(f.refusal()).isEmpty();
        assertThat(f.skippedTotal()).isZero();
        assertThat(f.latest().orElseThrow().generation()).isEqualTo(2);
        assertThat(f.latest().orElseThrow().state().maintenance()).containsKey(ip("192.0.2.11"));
    }

    @Test
    void theFolderNeverThrowsAndRefusesRuleBreakersReplaysStraysAndGarbage() {
        GenerationKeys keys = GenerationKeys.of(NEW, List.of(), true);
        DesiredStateFolder f = new DesiredStateFolder(keys);
        publish(f, keys, 5, state("192.0.2.11"));
        // a signed generation that breaks a rule (the server is the VIP): refused whole
        publish(f, keys, 6, state("198.51.100.10"));
        assertThat(f.refusal()).hasValueSatisfying(r -> assertThat(r.reason()).contains("validation rule"));
        assertThat(f.latest().orElseThrow().generation()).isEqualTo(5);
        // a replay of an older, validly signed generation
        publish(f, keys, 4, state("192.0.2.13"));
        assertThat(f.refusal()).hasValueSatisfying(r -> assertThat(r.reason()).contains("not newer"));
        // garbage marker, oversized record, unknown key, null key: reported, never thrown
        assertThat(f.apply(DesiredRecords.GENERATION, "{not json")).isEmpty();
        assertThat(f.refusal()).hasValueSatisfying(r -> assertThat(r.reason()).contains("unreadable"));
        assertThat(f.apply("pool/77", "x".repeat(DesiredStateFolder.MAX_RECORD_CHARS + 1)))
                .isEmpty();
        assertThat(f.lastSkipped()).hasValueSatisfying(s -> assertThat(s).contains("over the limit"));
        assertThat(f.apply("evil", "{}")).isEmpty();
        assertThat(f.apply(null, "{}")).isEmpty();
        assertThat(f.skippedTotal()).isEqualTo(3);
        // the writer's next generation removes the strays (its diff against the topic) and is applied
        publish(f, keys, 6, state("192.0.2.12"));
        assertThat(f.refusal()).isEmpty();
        assertThat(f.latest().orElseThrow().generation()).isEqualTo(6);
        assertThat(Optional.ofNullable(f.entities().get("evil"))).isEmpty();
    }
}
