package io.videolb.health.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.ProbeLevel;
import io.videolb.health.ProbeSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AMF0 and chunk-stream bytes checked against hand-written golden bytes (RTMP 1.0 spec, AMF0 spec). */
class RtmpConnectTest {

    /** Golden bytes: hex for markers, lengths and numbers (written by hand), ASCII for the text. */
    static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            if (p instanceof byte[] b) out.writeBytes(b);
            else if (((String) p).startsWith("'"))
                out.writeBytes(((String) p).substring(1).getBytes(StandardCharsets.US_ASCII));
            else out.writeBytes(HexFormat.of().parseHex(((String) p).replace(" ", "")));
        }
        return out.toByteArray();
    }

    static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    static final byte[] CONNECT_BODY = bytes(
            "02 0007",
            "'connect",
            "00 3ff0000000000000",
            "03",
            "0003",
            "'app",
            "02 0004",
            "'live",
            "0004",
            "'type",
            "02 000a",
            "'nonprivate",
            "0008",
            "'flashVer",
            "02 0025",
            "'FMLE/3.0 (compatible; videolb-health)",
            "0005",
            "'tcUrl",
            "02 001a",
            "'rtmp://127.0.0.1:1935/live",
            "000009");

    @Test
    void shouldEncodeTheConnectCommandInAmf0AsTheGoldenBytes() {
        assertThat(CONNECT_BODY).hasSize(140);
        assertThat(RtmpConnect.connectBody("live", "127.0.0.1", 1935)).isEqualTo(CONNECT_BODY);
    }

    @Test
    void shouldSplitTheConnectMessageAt128BytesWithAType3Header() {
        byte[] expected =
                bytes("03 000000 00008c 14 00000000", slice(CONNECT_BODY, 0, 128), "c3", slice(CONNECT_BODY, 128, 140));
        assertThat(RtmpConnect.connectMessage("live", "127.0.0.1", 1935)).isEqualTo(expected);
    }

    @Test
    void shouldEncodeAmf0ScalarsAsTheSpecSays() {
        assertThat(Amf0.encode("live")).isEqualTo(bytes("02 0004 6c697665"));
        assertThat(Amf0.encode(1)).isEqualTo(bytes("00 3ff0000000000000"));
        assertThat(Amf0.encode(-2.5)).isEqualTo(bytes("00 c004000000000000"));
        assertThat(Amf0.encode(true, null)).isEqualTo(bytes("01 01 05"));
        assertThat(Amf0.encode(Map.of())).isEqualTo(bytes("03 000009"));
    }

    static final byte[] RESULT_BODY = bytes(
            "02 0007",
            "'_result",
            "00 3ff0000000000000",
            "03",
            "0006",
            "'fmsVer",
            "02 000d",
            "'FMS/3,0,1,123",
            "000c",
            "'capabilities",
            "00 403f000000000000",
            "000009",
            "03",
            "0005",
            "'level",
            "02 0006",
            "'status",
            "0004",
            "'code",
            "02 001d",
            "'NetConnection.Connect.Success",
            "000b",
            "'description",
            "02 0015",
            "'Connection succeeded.",
            "000e",
            "'objectEncoding",
            "00 0000000000000000",
            "000009");

    @Test
    void shouldDecodeA_resultCommandIncludingNestedObjects() {
        assertThat(RESULT_BODY).hasSize(190);
        List<Object> v = Amf0.decodeAll(RESULT_BODY);
        assertThat(v).hasSize(4);
        assertThat(v.get(0)).isEqualTo("_result");
        assertThat(v.get(1)).isEqualTo(1.0);
        assertThat(v.get(2)).isEqualTo(Map.of("fmsVer", "FMS/3,0,1,123", "capabilities", 31.0));
        @SuppressWarnings("unchecked")
        Map<String, Object> info = (Map<String, Object>) v.get(3);
        assertThat(info).containsEntry("code", "NetConnection.Connect.Success").containsEntry("objectEncoding", 0.0);
    }

    @Test
    void shouldDecodeEcmaArraysStrictArraysLongStringsAndUndefined() {
        byte[] b = bytes(
                "08 00000001",
                "0001",
                "'k",
                "01 00",
                "000009",
                "0a 00000002",
                "00 4000000000000000",
                "05",
                "0c 00000003",
                "'abc",
                "06");
        List<Object> v = Amf0.decodeAll(b);
        assertThat(v.get(0)).isEqualTo(Map.of("k", false));
        assertThat(v.get(1)).isEqualTo(java.util.Arrays.asList(2.0, null));
        assertThat(v.get(2)).isEqualTo("abc");
        assertThat(v.get(3)).isNull();
    }

    @Test
    void shouldRefuseTruncatedOrUnknownAmf0WithTheOffset() {
        assertThatThrownBy(() -> Amf0.decodeAll(bytes("02 0010", "'short")))
                .hasMessageContaining("truncated")
                .hasMessageContaining("offset 3");
        assertThatThrownBy(() -> Amf0.decodeAll(bytes("11 00")))
                .hasMessageContaining("unsupported type marker 0x11 at offset 0");
        assertThatThrownBy(() -> Amf0.decodeAll(bytes("0a ffffffff"))).hasMessageContaining("strict array");
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i < 40; i++) deep.append("03 0001 61 ");
        assertThatThrownBy(() -> Amf0.decodeAll(bytes(deep.toString()))).hasMessageContaining("nesting deeper");
    }

    /** What nginx-rtmp (chunk_size 4096) sends after C2 + connect, byte for byte. */
    static final byte[] NGINX_LIKE_ANSWER = bytes(
            "02 000000 000004 05 00000000 004c4b40", // Window Acknowledgement Size 5000000 (fmt 0)
            "42 000000 000005 06 004c4b40 02", // Set Peer Bandwidth 5000000 dynamic (fmt 1, same csid)
            "02 000000 000004 01 00000000 00001000", // Set Chunk Size 4096
            "03 000000 0000be 14 00000000",
            RESULT_BODY); // _result: 190 bytes in ONE chunk (needs chunk size 4096)

    @Test
    void shouldUpdateTheReadChunkSizeAndAcceptA_resultInOneLargeChunk() {
        RtmpConnect.Session s = new RtmpConnect.Session();
        RtmpConnect.Outcome o = s.feed(NGINX_LIKE_ANSWER);
        assertThat(o).isEqualTo(new RtmpConnect.Outcome(true, "ok"));
        assertThat(s.readChunkSize()).isEqualTo(4096);
    }

    @Test
    void shouldReassembleTheSameAnswerFedOneByteAtATime() {
        RtmpConnect.Session s = new RtmpConnect.Session();
        RtmpConnect.Outcome o = null;
        for (int i = 0; i < NGINX_LIKE_ANSWER.length; i++) {
            o = s.feed(new byte[] {NGINX_LIKE_ANSWER[i]});
            if (i < NGINX_LIKE_ANSWER.length - 1)
                assertThat(o).as("after byte " + i).isNull();
        }
        assertThat(o.ok()).isTrue();
    }

    @Test
    void shouldReassembleMessagesSplitAt128WithType3And2ByteCsidAndExtendedTimestamps() {
        RtmpChunks.Reader r = new RtmpChunks.Reader(65536);
        // default chunk size 128: 190 bytes = 128 + C3 + 62
        List<RtmpChunks.Message> m = r.feed(
                bytes("03 000000 0000be 14 00000000", slice(RESULT_BODY, 0, 128), "c3", slice(RESULT_BODY, 128, 190)));
        assertThat(m).hasSize(1);
        assertThat(m.get(0).body()).isEqualTo(RESULT_BODY);
        assertThat(m.get(0).type()).isEqualTo(20);
        // chunk stream id 64 + 0x10 in the 2-byte form, extended timestamp 0x01000000, then a fmt 2 delta and a new
        // message by fmt 3
        m = r.feed(bytes("00 10 ffffff 000002 12 01000000 01000000 abcd", "80 10 000005 beef", "c0 10 1234"));
        assertThat(m).extracting(RtmpChunks.Message::csid).containsExactly(80, 80, 80);
        assertThat(m).extracting(RtmpChunks.Message::streamId).containsExactly(1L, 1L, 1L);
        assertThat(m).extracting(RtmpChunks.Message::timestamp).containsExactly(0x01000000L, 0x01000005L, 0x0100000aL);
        assertThat(m.get(2).body()).isEqualTo(bytes("1234"));
        // interleaved chunk streams: a 130-byte message on csid 3 is interrupted by a whole message on csid 2
        byte[] first = new byte[128];
        java.util.Arrays.fill(first, (byte) 7);
        m = r.feed(bytes(
                "03 000000 000082 14 00000000",
                first,
                "02 000000 000004 05 00000000 00001000",
                "c3 0808",
                "03 000000"));
        assertThat(m).extracting(RtmpChunks.Message::csid).containsExactly(2, 3);
        assertThat(m.get(1).body()).hasSize(130).startsWith(first).endsWith((byte) 8, (byte) 8);
        assertThat(r.pendingBytes()).isEqualTo(4); // the start of the next chunk waits for its header
    }

    @Test
    void shouldRefuseAContinuationWithoutAFirstHeaderAndOversizedMessages() {
        assertThatThrownBy(() -> new RtmpChunks.Reader(1024).feed(bytes("c5 00")))
                .hasMessageContaining("chunk stream 5 starts with a type-3 header");
        assertThatThrownBy(() -> new RtmpChunks.Reader(1024).feed(bytes("03 000000 100000 14 00000000")))
                .hasMessageContaining("1048576 bytes")
                .hasMessageContaining("exceeds 1024");
    }

    @Test
    void shouldReportAn_errorWithCodeAndDescriptionAsPrintableBoundedAscii() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("level", "error");
        info.put("code", "NetConnection.Connect.Rejected");
        info.put("description", "no such app\r\nX-Injected: 1\u0000\u00e9" + "x".repeat(500));
        byte[] answer = RtmpChunks.chunk(3, 20, 0, 0, Amf0.encode("_error", 1, null, info), 128);
        RtmpConnect.Outcome o = new RtmpConnect.Session().feed(answer);
        assertThat(o.ok()).isFalse();
        assertThat(o.reason())
                .startsWith("rtmp connect: _error NetConnection.Connect.Rejected no such app??X-Injected: 1??xxx");
        assertThat(o.reason())
                .hasSizeLessThanOrEqualTo("rtmp connect: _error ".length() + RtmpConnect.MAX_SERVER_TEXT)
                .endsWith("...");
        assertThat(o.reason().chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    @Test
    void shouldIgnoreOtherCommandsAndAnswersToOtherTransactions() {
        List<byte[]> parts = new ArrayList<>();
        parts.add(RtmpChunks.chunk(3, 20, 0, 0, Amf0.encode("onBWDone", 0, null), 128));
        parts.add(RtmpChunks.chunk(3, 20, 0, 0, Amf0.encode("_error", 7, null, Map.of("code", "other")), 128));
        parts.add(RtmpChunks.chunk(2, 4, 0, 0, bytes("0000 00000000"), 128)); // User Control: Stream Begin 0
        RtmpConnect.Session s = new RtmpConnect.Session();
        for (byte[] p : parts) assertThat(s.feed(p)).isNull();
        assertThat(s.feed(RtmpChunks.chunk(3, 20, 0, 0, Amf0.encode("_result", 1, null, null), 128))
                        .ok())
                .isTrue();
    }

    @Test
    void shouldReportUndecodableAnswersAsBad() {
        RtmpConnect.Outcome o = new RtmpConnect.Session().feed(bytes("03 000000 000003 14 00000000 02 0010"));
        assertThat(o.ok()).isFalse();
        assertThat(o.reason()).startsWith("rtmp connect: bad answer: AMF0: truncated");
    }

    @Test
    void shouldAcceptOnlyShortSafeApplicationNames() {
        assertThat(ProbeSettings.DEFAULT.withRtmpApp("live").rtmpApp()).isEqualTo("live");
        assertThat(ProbeSettings.DEFAULT.withRtmpApp("").rtmpApp()).isNull();
        assertThat(ProbeSettings.DEFAULT.rtmpApp()).isNull();
        for (String bad : List.of("live/x", "a b", "live\r\nx", "..", "é", "x".repeat(65), "live?x=1")) {
            assertThatThrownBy(() ->
                            ProbeSettings.DEFAULT.withLevel(ProbeLevel.RTMP).withRtmpApp(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("rtmpApp must be");
        }
        assertThatThrownBy(() -> RtmpConnect.connectBody("live", "example.com", 1935))
                .hasMessageContaining("literal IPv4");
    }
}
