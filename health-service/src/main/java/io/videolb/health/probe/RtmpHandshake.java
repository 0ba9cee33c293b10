package io.videolb.health.probe;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The client side of the RTMP handshake (RTMP spec 1.0, section 5.2), as pure byte logic.
 *
 * <pre>
 *  client                      server
 *   C0 (0x03) + C1 (1536)  -->
 *                          <--  S0 (0x03) + S1 (1536) + S2 (1536)
 *   C2 (= S1 echo)         -->
 * </pre>
 *
 * <p>C1 carries a Flash-Player style digest (version field non-zero, HMAC-SHA256 at the
 * scheme-0 offset). A server that implements only the simple handshake of the spec echoes C1 in
 * S2 (bytes 8..1535, "random echo"; nginx-rtmp echoes all of it). A server that implements the
 * digest ("complex") handshake answers with an S2 whose last 32 bytes are an HMAC keyed by our
 * C1 digest. {@link #checkS2} accepts either and rejects anything else: a wrong S2 means the peer
 * is not a working RTMP server (or is a broken one).
 */
public final class RtmpHandshake {
    public static final int SIZE = 1536;
    public static final byte VERSION = 3;
    private static final int DIGEST = 32;

    private static final byte[] KEY_TAIL = {
        (byte) 0xF0, (byte) 0xEE, (byte) 0xC2, (byte) 0x4A, (byte) 0x80, (byte) 0x68, (byte) 0xBE, (byte) 0xE8,
        (byte) 0x2E, (byte) 0x00, (byte) 0xD0, (byte) 0xD1, (byte) 0x02, (byte) 0x9E, (byte) 0x7E, (byte) 0x57,
        (byte) 0x6E, (byte) 0xEC, (byte) 0x5D, (byte) 0x2D, (byte) 0x29, (byte) 0x80, (byte) 0x6F, (byte) 0xAB,
        (byte) 0x93, (byte) 0xB8, (byte) 0xE6, (byte) 0x36, (byte) 0xCF, (byte) 0xEB, (byte) 0x31, (byte) 0xAE
    };
    /** "Genuine Adobe Flash Player 001" (30 bytes): signs C1. */
    static final byte[] PLAYER_PARTIAL_KEY = "Genuine Adobe Flash Player 001".getBytes(StandardCharsets.US_ASCII);
    /** "Genuine Adobe Flash Media Server 001" + 32 bytes: keys the server's S2 response. */
    static final byte[] SERVER_FULL_KEY =
            concat("Genuine Adobe Flash Media Server 001".getBytes(StandardCharsets.US_ASCII), KEY_TAIL);

    static final byte[] PLAYER_FULL_KEY = concat(PLAYER_PARTIAL_KEY, KEY_TAIL);

    private RtmpHandshake() {}

    /** What to send first: C0 followed by a digest-signed C1. */
    public static byte[] c0c1(Random random, int timeMs) {
        byte[] out = new byte[1 + SIZE];
        out[0] = VERSION;
        byte[] c1 = new byte[SIZE];
        random.nextBytes(c1);
        c1[0] = (byte) (timeMs >>> 24);
        c1[1] = (byte) (timeMs >>> 16);
        c1[2] = (byte) (timeMs >>> 8);
        c1[3] = (byte) timeMs;
        // client version 10.0.45.2 (non-zero: tells the server we speak the digest handshake)
        c1[4] = 10;
        c1[5] = 0;
        c1[6] = 45;
        c1[7] = 2;
        int at = digestOffset(c1, 8);
        byte[] mac = hmac(PLAYER_PARTIAL_KEY, without(c1, at));
        System.arraycopy(mac, 0, c1, at, DIGEST);
        System.arraycopy(c1, 0, out, 1, SIZE);
        return out;
    }

    /** The C1 part of {@link #c0c1}'s output. */
    public static byte[] c1Of(byte[] c0c1) {
        return Arrays.copyOfRange(c0c1, 1, 1 + SIZE);
    }

    /** Where the digest sits in a 1536-byte block for the scheme whose digest area starts at {@code base} (8 or 772). */
    static int digestOffset(byte[] block, int base) {
        int sum = (block[base] & 255) + (block[base + 1] & 255) + (block[base + 2] & 255) + (block[base + 3] & 255);
        return sum % 728 + base + 4;
    }

    /** The digest of our C1 (scheme 0, as built by {@link #c0c1}). */
    static byte[] c1Digest(byte[] c1) {
        int at = digestOffset(c1, 8);
        return Arrays.copyOfRange(c1, at, at + DIGEST);
    }

    /**
     * Checks S0 + S1 + S2 (3073 bytes) against the C1 we sent. Returns null when the handshake is
     * good, else the reason in plain words.
     */
    public static String checkServerReply(byte[] c1, byte[] s0s1s2) {
        if (s0s1s2.length < 1 + 2 * SIZE) return "short RTMP handshake reply (" + s0s1s2.length + " bytes)";
        if (s0s1s2[0] != VERSION) return "RTMP S0 version " + (s0s1s2[0] & 255) + ", expected 3";
        byte[] s2 = Arrays.copyOfRange(s0s1s2, 1 + SIZE, 1 + 2 * SIZE);
        return checkS2(c1, s2);
    }

    /** Null when S2 echoes C1 (simple handshake) or carries the digest response to C1 (digest handshake). */
    public static String checkS2(byte[] c1, byte[] s2) {
        if (MessageDigest.isEqual(Arrays.copyOfRange(c1, 8, SIZE), Arrays.copyOfRange(s2, 8, SIZE))) return null;
        byte[] key = hmac(SERVER_FULL_KEY, c1Digest(c1));
        byte[] expect = hmac(key, Arrays.copyOfRange(s2, 0, SIZE - DIGEST));
        if (MessageDigest.isEqual(expect, Arrays.copyOfRange(s2, SIZE - DIGEST, SIZE))) return null;
        return "RTMP S2 neither echoes C1 nor carries the digest response";
    }

    /** C2: the echo of S1 (accepted by simple and digest servers alike). */
    public static byte[] c2(byte[] s0s1s2) {
        return Arrays.copyOfRange(s0s1s2, 1, 1 + SIZE);
    }

    /** Builds an S2 that a digest-handshake server would send in reply to {@code c1} (for tests and the benchmark's responders). */
    public static byte[] digestS2(byte[] c1, Random random) {
        byte[] s2 = new byte[SIZE];
        random.nextBytes(s2);
        byte[] key = hmac(SERVER_FULL_KEY, c1Digest(c1));
        byte[] mac = hmac(key, Arrays.copyOfRange(s2, 0, SIZE - DIGEST));
        System.arraycopy(mac, 0, s2, SIZE - DIGEST, DIGEST);
        return s2;
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] without(byte[] block, int at) {
        byte[] out = new byte[block.length - DIGEST];
        System.arraycopy(block, 0, out, 0, at);
        System.arraycopy(block, at + DIGEST, out, at, block.length - at - DIGEST);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
