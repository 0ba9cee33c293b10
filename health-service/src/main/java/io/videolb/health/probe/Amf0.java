package io.videolb.health.probe;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMF0 (Action Message Format 0, Adobe AMF0 spec), as much as an RTMP {@code connect} and its
 * {@code _result}/{@code _error} answer need. Pure byte logic.
 *
 * <p>Encoded values: {@link String} (string marker 0x02, u16 length), {@link Number} (0x00,
 * IEEE-754 double, big endian), {@link Boolean} (0x01), {@code null} (0x05) and
 * {@code Map<String, ?>} (object 0x03: u16-length keys without marker, then the end marker
 * 00 00 09). Decoded values additionally: undefined (0x06, as null), ECMA array (0x08, as a map),
 * strict array (0x0A, as a list), date (0x0B, as the double), long string (0x0C). Decoding is
 * bounded: nesting depth, element counts and string lengths cannot exceed the input.
 */
public final class Amf0 {
    static final int NUMBER = 0x00,
            BOOLEAN = 0x01,
            STRING = 0x02,
            OBJECT = 0x03,
            NULL = 0x05,
            UNDEFINED = 0x06,
            ECMA_ARRAY = 0x08,
            OBJECT_END = 0x09,
            STRICT_ARRAY = 0x0A,
            DATE = 0x0B,
            LONG_STRING = 0x0C;
    private static final int MAX_DEPTH = 16;

    private Amf0() {}

    /** Encodes the values one after the other (an RTMP command message body). */
    public static byte[] encode(Object... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object v : values) write(out, v);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, Object v) {
        if (v == null) {
            out.write(NULL);
        } else if (v instanceof String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 0xFFFF) throw new IllegalArgumentException("AMF0 string longer than 65535 bytes");
            out.write(STRING);
            u16(out, b.length);
            out.writeBytes(b);
        } else if (v instanceof Number n) {
            out.write(NUMBER);
            long bits = Double.doubleToLongBits(n.doubleValue());
            for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)));
        } else if (v instanceof Boolean b) {
            out.write(BOOLEAN);
            out.write(b ? 1 : 0);
        } else if (v instanceof Map<?, ?> m) {
            out.write(OBJECT);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                byte[] k = ((String) e.getKey()).getBytes(StandardCharsets.UTF_8);
                if (k.length == 0 || k.length > 0xFFFF)
                    throw new IllegalArgumentException("AMF0 object key must be 1..65535 bytes");
                u16(out, k.length);
                out.writeBytes(k);
                write(out, e.getValue());
            }
            out.write(0);
            out.write(0);
            out.write(OBJECT_END);
        } else {
            throw new IllegalArgumentException(
                    "no AMF0 encoding for " + v.getClass().getSimpleName());
        }
    }

    private static void u16(ByteArrayOutputStream out, int n) {
        out.write(n >>> 8);
        out.write(n);
    }

    /**
     * Decodes all values of a command message body. Throws {@link IllegalArgumentException} with
     * the offset on a truncated or unknown encoding.
     */
    public static List<Object> decodeAll(byte[] body) {
        Reader r = new Reader(body);
        List<Object> out = new ArrayList<>();
        while (r.pos < body.length) out.add(r.value(0));
        return Collections.unmodifiableList(out);
    }

    private static final class Reader {
        final byte[] b;
        int pos;

        Reader(byte[] b) {
            this.b = b;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) throw bad("nesting deeper than " + MAX_DEPTH);
            int marker = u8();
            switch (marker) {
                case NUMBER:
                    return Double.longBitsToDouble(u64());
                case BOOLEAN:
                    return u8() != 0;
                case STRING:
                    return utf8(u16());
                case LONG_STRING:
                    long n = u32();
                    if (n > b.length - pos) throw bad("long string of " + n + " bytes past the end");
                    return utf8((int) n);
                case NULL:
                case UNDEFINED:
                    return null;
                case OBJECT:
                    return properties(depth);
                case ECMA_ARRAY:
                    u32(); // approximate count; the end marker is authoritative
                    return properties(depth);
                case STRICT_ARRAY: {
                    long count = u32();
                    if (count > b.length - pos) throw bad("strict array of " + count + " elements past the end");
                    List<Object> list = new ArrayList<>();
                    for (long i = 0; i < count; i++) list.add(value(depth + 1));
                    return Collections.unmodifiableList(list);
                }
                case DATE: {
                    double ms = Double.longBitsToDouble(u64());
                    need(2);
                    pos += 2; // time zone, unused
                    return ms;
                }
                default:
                    throw new IllegalArgumentException("AMF0: unsupported type marker 0x" + Integer.toHexString(marker)
                            + " at offset " + (pos - 1));
            }
        }

        Map<String, Object> properties(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            while (true) {
                int len = u16();
                if (len == 0) {
                    if (u8() != OBJECT_END) throw bad("empty key without object end marker");
                    return Collections.unmodifiableMap(m);
                }
                String key = utf8(len);
                m.put(key, value(depth + 1));
            }
        }

        String utf8(int len) {
            need(len);
            String s = new String(b, pos, len, StandardCharsets.UTF_8);
            pos += len;
            return s;
        }

        int u8() {
            need(1);
            return b[pos++] & 0xFF;
        }

        int u16() {
            need(2);
            int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        long u32() {
            need(4);
            long v = 0;
            for (int i = 0; i < 4; i++) v = (v << 8) | (b[pos++] & 0xFF);
            return v;
        }

        long u64() {
            need(8);
            long v = 0;
            for (int i = 0; i < 8; i++) v = (v << 8) | (b[pos++] & 0xFF);
            return v;
        }

        void need(int n) {
            if (n < 0 || pos + n > b.length) throw bad("truncated (needs " + n + " more bytes)");
        }

        IllegalArgumentException bad(String what) {
            return new IllegalArgumentException("AMF0: " + what + " at offset " + pos);
        }
    }
}
