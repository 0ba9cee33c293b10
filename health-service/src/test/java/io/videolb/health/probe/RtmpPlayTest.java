package io.videolb.health.probe;

import static io.videolb.health.probe.RtmpConnectTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.health.ProbeSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canary play (issue 16): createStream and play bytes against golden bytes, and the session's steps. */
class RtmpPlayTest {
    static byte[] command(int csid, int streamId, Object... values) {
        return RtmpChunks.chunk(csid, RtmpChunks.AMF0_COMMAND, streamId, 0, Amf0.encode(values), 128);
    }

    static Map<String, Object> status(String level, String code, String description) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("level", level);
        info.put("code", code);
        info.put("description", description);
        return info;
    }

    /** A session past connect and createStream (stream id 1), its play sent. */
    static RtmpConnect.Session playing(String stream) {
        RtmpConnect.Session s = new RtmpConnect.Session(stream);
        assertThat(s.feed(command(3, 0, "_result", 1, null, null))).isNull();
        assertThat(s.takeOutgoing()).isNotNull();
        assertThat(s.feed(command(3, 0, "_result", 2, null, 1))).isNull();
        assertThat(s.takeOutgoing()).isNotNull();
        return s;
    }

    @Test
    void createStreamAndPlayAreTheGoldenAmf0Bytes() {
        assertThat(RtmpConnect.createStreamBody())
                .isEqualTo(bytes("02 000c", "'createStream", "00 4000000000000000", "05"));
        assertThat(RtmpConnect.playBody("cam7"))
                .isEqualTo(bytes("02 0004", "'play", "00 0000000000000000", "05", "02 0004", "'cam7"));
    }

    @Test
    void afterConnectTheSessionSendsCreateStreamThenPlayOnTheStreamIdTheServerGave() {
        RtmpConnect.Session s = new RtmpConnect.Session("cam7");
        assertThat(s.takeOutgoing()).isNull();
        assertThat(s.feed(command(3, 0, "_result", 1, null, null))).isNull();
        assertThat(s.takeOutgoing()).isEqualTo(bytes("03 000000 000019 14 00000000", RtmpConnect.createStreamBody()));
        assertThat(s.takeOutgoing()).as("once").isNull();
        assertThat(s.feed(command(3, 0, "_result", 2, null, 5))).isNull();
        // csid 8, type 20 (AMF0 command), message stream 5 (little-endian), the play body
        assertThat(s.takeOutgoing()).isEqualTo(bytes("08 000000 000018 14 05000000", RtmpConnect.playBody("cam7")));
        assertThat(s.timeoutReason("live", 1500))
                .isEqualTo("rtmp play: no audio/video of stream 'live/cam7' within 1500 ms (last status: none)");
    }

    @Test
    void mediaOnThePlayedStreamIsUpAndOnlyThat() {
        RtmpConnect.Session s = playing("cam7");
        assertThat(s.feed(command(5, 1, "onStatus", 0, null, status("status", "NetStream.Play.Start", "Start"))))
                .isNull();
        assertThat(s.feed(RtmpChunks.chunk(5, 18, 1, 0, Amf0.encode("onMetaData"), 128)))
                .as("data is not media")
                .isNull();
        assertThat(s.feed(RtmpChunks.chunk(6, 9, 2, 0, bytes("17 00"), 128)))
                .as("video on another stream")
                .isNull();
        assertThat(s.feed(RtmpChunks.chunk(6, 9, 1, 0, new byte[0], 128)))
                .as("empty video")
                .isNull();
        assertThat(s.timeoutReason("live", 900))
                .isEqualTo("rtmp play: no audio/video of stream 'live/cam7' within 900 ms (last status:"
                        + " NetStream.Play.Start)");
        RtmpConnect.Outcome o = s.feed(RtmpChunks.chunk(4, 8, 1, 0, bytes("af 00 12 10"), 128));
        assertThat(o.ok()).isTrue();
        RtmpConnect.Session v = playing("cam7");
        assertThat(v.feed(RtmpChunks.chunk(6, 9, 1, 0, bytes("17 00 000000"), 128))
                        .ok())
                .isTrue();
    }

    @Test
    void anErrorStatusOrACreateStreamErrorIsDownWithItsPrintableReason() {
        RtmpConnect.Outcome o = playing("cam7")
                .feed(command(5, 1, "onStatus", 0, null, status("error", "NetStream.Play.StreamNotFound", "no\r\nX")));
        assertThat(o.ok()).isFalse();
        assertThat(o.reason()).isEqualTo("rtmp play: onStatus NetStream.Play.StreamNotFound no??X (stream 'cam7')");

        RtmpConnect.Session s = new RtmpConnect.Session("cam7");
        s.feed(command(3, 0, "_result", 1, null, null));
        assertThat(s.timeoutReason("live", 10))
                .isEqualTo("rtmp play: no answer to createStream (app 'live') within 10 ms");
        RtmpConnect.Outcome e = s.feed(command(3, 0, "_error", 2, null, status("error", "Busy", "")));
        assertThat(e.reason()).isEqualTo("rtmp play: createStream _error Busy");

        RtmpConnect.Session n = new RtmpConnect.Session("cam7");
        n.feed(command(3, 0, "_result", 1, null, null));
        assertThat(n.feed(command(3, 0, "_result", 2, null, "one")).reason())
                .isEqualTo("rtmp play: createStream _result without a stream id");
        RtmpConnect.Session f = new RtmpConnect.Session("cam7");
        f.feed(command(3, 0, "_result", 1, null, null));
        assertThat(f.feed(command(3, 0, "_result", 2, null, 1.5)).reason())
                .isEqualTo("rtmp play: createStream _result without a stream id");
    }

    @Test
    void withoutAStreamTheConnectAnswerIsTheEndAsBefore() {
        RtmpConnect.Session s = new RtmpConnect.Session();
        assertThat(s.feed(command(3, 0, "_result", 1, null, null)).ok()).isTrue();
        assertThat(s.takeOutgoing()).isNull();
    }

    @Test
    void theStreamNameIsValidatedAndNeedsAnApp() {
        for (String bad : List.of("a b", "a&b", "../x", "x".repeat(65), "cam\r\n"))
            assertThatThrownBy(() -> new RtmpConnect.Session(bad))
                    .as(bad)
                    .hasMessageStartingWith("rtmpPlayStream must be 1-64 of [A-Za-z0-9._-]");
        assertThatThrownBy(() -> ProbeSettings.DEFAULT.withRtmpPlayStream("cam7"))
                .hasMessage("rtmpPlayStream 'cam7' needs rtmpApp (the application it is played from)");
        assertThat(ProbeSettings.DEFAULT
                        .withRtmpApp("live")
                        .withRtmpPlayStream("cam7")
                        .rtmpPlayStream())
                .isEqualTo("cam7");
        assertThat(ProbeSettings.DEFAULT
                        .withRtmpApp("live")
                        .withRtmpPlayStream("cam7")
                        .withRtmpApp(null)
                        .rtmpPlayStream())
                .as("switching the connect off switches the play off")
                .isNull();
    }
}
