package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code inventory/IP} record kind of the health topic: codec, strict decoding, the fold. */
class ServerStreamsRecordTest {
    private static final Ipv4Address A = Ipv4Address.parse("192.0.2.11");
    private static final ServerStreams CARRIES = new ServerStreams(
            A,
            true,
            "",
            List.of(
                    new ServerStreams.Stream("live", "cam1", true, 1, 120_000),
                    new ServerStreams.Stream("live", "cam7", false, 2, 0)),
            120_000,
            "hc-1",
            7,
            5000);

    @Test
    void anInventoryIsDecodedFromItsInventoryKeyAndEncodesBackTheSame() {
        HealthRecord r = HealthRecord.decode("inventory/192.0.2.11", Json.write(CARRIES));
        assertThat(r).isEqualTo(new HealthRecord.ServerInventory(CARRIES));
        assertThat(HealthRecord.decode(r.key(), r.value())).isEqualTo(r);
        assertThat(HealthRecord.decode("inventory/192.0.2.11", null)).isEqualTo(new HealthRecord.InventoryTombstone(A));
        assertThat(CARRIES.publishingPaths()).containsExactly("live/cam1");
    }

    @Test
    void anUnknownInventoryCarriesItsReasonAndNoStreams() {
        ServerStreams unknown =
                new ServerStreams(A, false, "no rtmp_stat within 500 ms", List.of(), 0, "hc-1", 8, 6000);
        assertThat(HealthRecord.decode(unknown.key(), Json.write(unknown)))
                .isEqualTo(new HealthRecord.ServerInventory(unknown));
        assertThatThrownBy(() -> new ServerStreams(A, false, "", List.of(), 0, "hc-1", 8, 6000))
                .hasMessage("an unknown inventory needs its reason");
    }

    @Test
    void badInventoriesAreUnreadableWithTheReason() {
        assertThat(HealthRecord.decode("inventory/nope", Json.write(CARRIES)))
                .isEqualTo(new HealthRecord.Unreadable(
                        "inventory/nope", "an inventory key needs a server address after 'inventory/'"));
        HealthRecord other = HealthRecord.decode("inventory/192.0.2.12", Json.write(CARRIES));
        assertThat(((HealthRecord.Unreadable) other).problem())
                .isEqualTo("inventory of 192.0.2.11 under the key of 192.0.2.12");
        String badName = Json.write(CARRIES).replace("cam7", "cam 7");
        assertThat(((HealthRecord.Unreadable) HealthRecord.decode("inventory/192.0.2.11", badName)).problem())
                .startsWith("not a stream inventory: ")
                .contains("stream name 'cam 7' is not 1..128 visible ASCII");
        String negative = Json.write(CARRIES).replace("\"viewers\":2", "\"viewers\":-2");
        assertThat(((HealthRecord.Unreadable) HealthRecord.decode("inventory/192.0.2.11", negative)).problem())
                .contains("negative viewers");
        List<ServerStreams.Stream> many = new ArrayList<>();
        for (int i = 0; i <= ServerStreams.MAX_STREAMS; i++)
            many.add(new ServerStreams.Stream("live", "s" + i, true, 0, 0));
        String tooMany = Json.write(CARRIES)
                .replaceFirst(
                        "\"streams\":\\[.*\\]",
                        "\"streams\":"
                                + Json.write(many).replace("\"bwOutBitsPerSecond\":0,", "\"bwOutBitsPerSecond\":0,"));
        assertThat(((HealthRecord.Unreadable) HealthRecord.decode("inventory/192.0.2.11", tooMany)).problem())
                .contains("151 streams, more than 150 in one record");
    }

    @Test
    void theViewKeepsTheNewestInventoryPerServerAndForgetsItOnItsTombstone() {
        HealthTopicView view = new HealthTopicView(() -> 10_000, 0);
        assertThat(view.apply("inventory/192.0.2.11", Json.write(CARRIES)).changed())
                .isTrue();
        assertThat(view.inventory(A)).isEqualTo(CARRIES);
        ServerStreams older = new ServerStreams(A, true, "", List.of(), 0, "hc-1", 6, 4000);
        assertThat(view.apply("inventory/192.0.2.11", Json.write(older)).changed())
                .isFalse();
        assertThat(view.inventory(A)).isEqualTo(CARRIES);
        assertThat(view.unreadableCount()).isZero();
        assertThat(view.verdicts()).isEmpty();
        assertThat(view.apply("inventory/192.0.2.11", null).changed()).isTrue();
        assertThat(view.inventory(A)).isNull();
        ServerStreams future = new ServerStreams(A, true, "", List.of(), 0, "hc-1", Long.MAX_VALUE, 4000);
        assertThat(view.apply("inventory/192.0.2.11", Json.write(future)).unreadable())
                .isNotNull();
    }
}
