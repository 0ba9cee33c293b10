package io.videolb.health.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RtmpHandshakeTest {
    final Random random = new Random(7);

    @Test
    void shouldSendVersion3AndASignedC1() {
        byte[] c0c1 = RtmpHandshake.c0c1(random, 1234);
        assertThat(c0c1).hasSize(1537);
        assertThat(c0c1[0]).isEqualTo((byte) 3);
        byte[] c1 = RtmpHandshake.c1Of(c0c1);
        assertThat(c1[4]).as("non-zero version announces the digest handshake").isNotZero();
        int at = RtmpHandshake.digestOffset(c1, 8);
        byte[] rest = new byte[1536 - 32];
        System.arraycopy(c1, 0, rest, 0, at);
        System.arraycopy(c1, at + 32, rest, at, 1536 - at - 32);
        assertThat(RtmpHandshake.hmac(RtmpHandshake.PLAYER_PARTIAL_KEY, rest)).isEqualTo(RtmpHandshake.c1Digest(c1));
    }

    @Test
    void shouldAcceptAnS2ThatEchoesC1() {
        byte[] c1 = RtmpHandshake.c1Of(RtmpHandshake.c0c1(random, 1));
        byte[] s2 = c1.clone();
        s2[4] = 9; // time2 may differ
        assertThat(RtmpHandshake.checkS2(c1, s2)).isNull();
    }

    @Test
    void shouldAcceptADigestResponse() {
        byte[] c1 = RtmpHandshake.c1Of(RtmpHandshake.c0c1(random, 1));
        assertThat(RtmpHandshake.checkS2(c1, RtmpHandshake.digestS2(c1, random)))
                .isNull();
    }

    @Test
    void shouldRejectAWrongEchoOrADigestForAnotherC1() {
        byte[] c1 = RtmpHandshake.c1Of(RtmpHandshake.c0c1(random, 1));
        byte[] wrong = c1.clone();
        wrong[700] ^= 1;
        assertThat(RtmpHandshake.checkS2(c1, wrong)).contains("neither echoes");
        byte[] other = RtmpHandshake.c1Of(RtmpHandshake.c0c1(random, 2));
        assertThat(RtmpHandshake.checkS2(c1, RtmpHandshake.digestS2(other, random)))
                .contains("neither echoes");
    }

    @Test
    void shouldRejectAWrongS0VersionAndAShortReply() {
        byte[] c1 = RtmpHandshake.c1Of(RtmpHandshake.c0c1(random, 1));
        byte[] reply = new byte[3073];
        reply[0] = 6;
        assertThat(RtmpHandshake.checkServerReply(c1, reply)).contains("S0 version 6");
        assertThat(RtmpHandshake.checkServerReply(c1, new byte[10])).contains("short");
    }
}
