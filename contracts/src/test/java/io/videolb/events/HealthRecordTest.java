package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import org.junit.jupiter.api.Test;

class HealthRecordTest {
    private static final Ipv4Address A = Ipv4Address.parse("192.0.2.11");
    private static final HealthVerdict DOWN_A =
            new HealthVerdict(A, Verdict.DOWN, ProbeLevel.HLS, "playlist stale", 1200, "hc-1", 7, 5000);
    private static final CheckerStatus DEGRADED = new CheckerStatus("hc-1", true, "known-good target failed", 3, 4000);

    @Test
    void aVerdictIsDecodedFromItsAddressKey() {
        HealthRecord r = HealthRecord.decode("192.0.2.11", Json.write(DOWN_A));
        assertThat(r).isEqualTo(new HealthRecord.ServerVerdict(DOWN_A));
    }

    @Test
    void aCheckerReportIsDecodedFromItsCheckerKey() {
        HealthRecord r = HealthRecord.decode("checker/hc-1", Json.write(DEGRADED));
        assertThat(r).isEqualTo(new HealthRecord.CheckerReport(DEGRADED));
    }

    @Test
    void aNullValueIsTheTombstoneOfEitherKind() {
        assertThat(HealthRecord.decode("192.0.2.11", null)).isEqualTo(new HealthRecord.VerdictTombstone(A));
        assertThat(HealthRecord.decode("checker/hc-1", null)).isEqualTo(new HealthRecord.CheckerTombstone("hc-1"));
    }

    @Test
    void encodingAndDecodingAgreeForEveryKind() {
        for (HealthRecord r : new HealthRecord[] {
            new HealthRecord.ServerVerdict(DOWN_A), new HealthRecord.CheckerReport(DEGRADED),
            new HealthRecord.VerdictTombstone(A), new HealthRecord.CheckerTombstone("hc-1")
        }) {
            assertThat(HealthRecord.decode(r.key(), r.value())).as(r.toString()).isEqualTo(r);
        }
        assertThat(new HealthRecord.ServerVerdict(DOWN_A).key()).isEqualTo("192.0.2.11");
        assertThat(new HealthRecord.CheckerTombstone("hc-1").key()).isEqualTo("checker/hc-1");
    }

    @Test
    void aVerdictUnderAnotherServersKeyIsUnreadable() {
        HealthRecord r = HealthRecord.decode("192.0.2.12", Json.write(DOWN_A));
        assertThat(r).isInstanceOf(HealthRecord.Unreadable.class);
        assertThat(((HealthRecord.Unreadable) r).problem())
                .isEqualTo("verdict for 192.0.2.11 under the key of 192.0.2.12");
        assertThat(r.key()).isEqualTo("192.0.2.12");
    }

    @Test
    void aCheckerReportUnderAnotherCheckersKeyIsUnreadable() {
        HealthRecord r = HealthRecord.decode("checker/hc-2", Json.write(DEGRADED));
        assertThat(((HealthRecord.Unreadable) r).problem())
                .isEqualTo("status of checker 'hc-1' under the key of 'hc-2'");
        String noId = Json.write(new CheckerStatus(null, true, "", 1, 1));
        assertThat(HealthRecord.decode("checker/hc-1", noId)).isInstanceOf(HealthRecord.Unreadable.class);
    }

    @Test
    void malformedValuesAndKeysAreUnreadableValuesNeverExceptions() {
        String[][] cases = {
            {"192.0.2.11", "{not json"},
            {"192.0.2.11", ""},
            {"192.0.2.11", "null"},
            {"192.0.2.11", "[1,2]"},
            {"192.0.2.11", "{\"server\":\"192.0.2.11\"}"}, // no verdict, no level
            {"192.0.2.11", "{\"server\":\"192.0.2.11\",\"verdict\":\"MAYBE\",\"level\":\"TCP\"}"},
            {"192.0.2.11", Json.write(DEGRADED)}, // a checker status under an address
            {"checker/hc-1", "{not json"},
            {"checker/hc-1", "null"},
            {"checker/", Json.write(DEGRADED)},
            {"checker/", null},
            {"010.0.2.11", null}, // octal-looking: not a key anyone writes
            {"server-a", Json.write(DOWN_A)},
            {"", null},
            {null, Json.write(DOWN_A)},
            {null, null},
        };
        for (String[] c : cases) {
            HealthRecord r = HealthRecord.decode(c[0], c[1]);
            assertThat(r).as("key %s value %s", c[0], c[1]).isInstanceOf(HealthRecord.Unreadable.class);
            assertThat(((HealthRecord.Unreadable) r).problem()).isNotBlank();
        }
    }

    @Test
    void oversizedKeysAndValuesAreNotDecoded() {
        String longReason = "x".repeat(HealthRecord.MAX_VALUE_CHARS);
        String big = Json.write(new HealthVerdict(A, Verdict.UP, ProbeLevel.TCP, longReason, 1, "hc-1", 1, 1));
        HealthRecord r = HealthRecord.decode("192.0.2.11", big);
        assertThat(((HealthRecord.Unreadable) r).problem()).startsWith("value of " + big.length() + " characters");
        HealthRecord k = HealthRecord.decode("checker/" + "c".repeat(HealthRecord.MAX_KEY_CHARS), null);
        assertThat(((HealthRecord.Unreadable) k).problem()).contains("key longer than");
        assertThat(k.key()).hasSizeLessThan(100);
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() {
        String withExtra = Json.write(DOWN_A).replaceFirst("\\{", "{\"region\":\"eu\",");
        assertThat(HealthRecord.decode("192.0.2.11", withExtra)).isEqualTo(new HealthRecord.ServerVerdict(DOWN_A));
    }

    @Test
    void recordsThatCouldNotBeWrittenAsKeysAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> new HealthRecord.CheckerTombstone("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HealthRecord.CheckerReport(new CheckerStatus(null, false, "", 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
