package io.videolb.health.probe;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RTMP chunk stream (RTMP spec 1.0, section 5.3), as pure byte logic: splitting one message into
 * chunks, and an incremental reader that reassembles messages from chunks of any header type.
 *
 * <pre>
 * chunk = basic header (1-3 bytes: fmt 2 bits, chunk stream id)
 *       + message header (fmt 0: 11 bytes timestamp/length/type/stream id LE; fmt 1: 7, delta/length/type;
 *                         fmt 2: 3, delta; fmt 3: none, all from the previous chunk of the stream)
 *       + extended timestamp (4 bytes, when the 3-byte field is 0xFFFFFF)
 *       + up to chunk-size bytes of the message
 * </pre>
 */
public final class RtmpChunks {
    public static final int DEFAULT_CHUNK_SIZE = 128;
    public static final int SET_CHUNK_SIZE = 1,
            ABORT = 2,
            ACK = 3,
            USER_CONTROL = 4,
            WINDOW_ACK_SIZE = 5,
            SET_PEER_BANDWIDTH = 6,
            AMF3_COMMAND = 17,
            AMF0_COMMAND = 20;

    private RtmpChunks() {}

    /** One reassembled message. */
    public record Message(int csid, int type, long streamId, long timestamp, byte[] body) {}

    /**
     * Splits a message into chunks of at most {@code chunkSize} bytes: a type-0 header first,
     * type-3 headers (one byte) before every following chunk. Chunk stream ids 2..63, timestamp
     * below 0xFFFFFF.
     */
    public static byte[] chunk(int csid, int type, int streamId, int timestamp, byte[] body, int chunkSize) {
        if (csid < 2 || csid > 63) throw new IllegalArgumentException("chunk stream id must be 2..63, got " + csid);
        if (timestamp < 0 || timestamp >= 0xFFFFFF) throw new IllegalArgumentException("timestamp must be 0..0xFFFFFE");
        if (body.length > 0xFFFFFF) throw new IllegalArgumentException("message longer than 16 MiB");
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive");
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 12 + body.length / chunkSize);
        out.write(csid); // fmt 0
        u24(out, timestamp);
        u24(out, body.length);
        out.write(type);
        out.write(streamId);
        out.write(streamId >>> 8);
        out.write(streamId >>> 16);
        out.write(streamId >>> 24);
        for (int at = 0; at < body.length || at == 0; at += chunkSize) {
            if (at > 0) out.write(0xC0 | csid); // fmt 3
            out.write(body, at, Math.min(chunkSize, body.length - at));
            if (body.length == 0) break;
        }
        return out.toByteArray();
    }

    private static void u24(ByteArrayOutputStream out, int v) {
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /**
     * Reassembles messages from a byte stream fed in arbitrary pieces. Applies Set Chunk Size and
     * Abort itself (they change how the following bytes are read) and returns them as well.
     * Malformed input throws {@link IllegalArgumentException}; messages larger than
     * {@code maxMessage} are refused, so memory stays bounded whatever the peer sends.
     */
    public static final class Reader {
        private final int maxMessage;
        private final Map<Integer, StreamState> streams = new HashMap<>();
        private byte[] pending = new byte[0];
        private int chunkSize = DEFAULT_CHUNK_SIZE;

        public Reader(int maxMessage) {
            this.maxMessage = maxMessage;
        }

        public int chunkSize() {
            return chunkSize;
        }

        /** Bytes received but not yet a whole chunk. */
        public int pendingBytes() {
            return pending.length;
        }

        public List<Message> feed(byte[] data) {
            byte[] all = new byte[pending.length + data.length];
            System.arraycopy(pending, 0, all, 0, pending.length);
            System.arraycopy(data, 0, all, pending.length, data.length);
            List<Message> out = new ArrayList<>();
            int pos = 0;
            while (true) {
                int used = chunk(all, pos, out);
                if (used == 0) break;
                pos += used;
            }
            pending = Arrays.copyOfRange(all, pos, all.length);
            return out;
        }

        /** Parses one chunk at {@code at}; returns the bytes it took, 0 when it is not complete yet. */
        private int chunk(byte[] b, int at, List<Message> out) {
            int p = at;
            if (b.length - p < 1) return 0;
            int fmt = (b[p] & 0xFF) >>> 6;
            int csid = b[p] & 0x3F;
            p++;
            if (csid == 0) {
                if (b.length - p < 1) return 0;
                csid = 64 + (b[p] & 0xFF);
                p++;
            } else if (csid == 1) {
                if (b.length - p < 2) return 0;
                csid = 64 + (b[p] & 0xFF) + ((b[p + 1] & 0xFF) << 8);
                p += 2;
            }
            int headerLen = fmt == 0 ? 11 : fmt == 1 ? 7 : fmt == 2 ? 3 : 0;
            if (b.length - p < headerLen) return 0;
            StreamState prev = streams.get(csid);
            if (fmt != 0 && prev == null) {
                throw new IllegalArgumentException(
                        "RTMP chunk stream " + csid + " starts with a type-" + fmt + " header");
            }
            StreamState s = prev == null ? new StreamState() : prev;
            // read the header into locals first: nothing changes until the whole chunk is here
            long tsField = s.extended ? 0xFFFFFF : -1;
            int length = s.length, type = s.type;
            long streamId = s.streamId;
            if (fmt <= 2) tsField = u24(b, p);
            if (fmt <= 1) {
                length = (int) u24(b, p + 3);
                type = b[p + 6] & 0xFF;
            }
            if (fmt == 0) {
                streamId = (b[p + 7] & 0xFFL)
                        | (b[p + 8] & 0xFFL) << 8
                        | (b[p + 9] & 0xFFL) << 16
                        | (b[p + 10] & 0xFFL) << 24;
            }
            p += headerLen;
            boolean extended = fmt == 3 ? s.extended : tsField == 0xFFFFFF;
            long ts = tsField;
            if (extended) {
                if (b.length - p < 4) return 0;
                ts = u32(b, p);
                p += 4;
            }
            if (length > maxMessage) {
                throw new IllegalArgumentException(
                        "RTMP message of " + length + " bytes on chunk stream " + csid + " exceeds " + maxMessage);
            }
            boolean starting = s.body == null;
            int have = starting ? 0 : s.body.size();
            int take = Math.min(chunkSize, length - have);
            if (b.length - p < take) return 0;

            // commit
            if (fmt == 0) {
                s.timestamp = ts;
                s.delta = 0;
            } else if (fmt == 1 || fmt == 2) {
                s.delta = ts;
                s.timestamp += ts;
            } else if (starting && prev != null && prev.seen) {
                s.timestamp += s.delta; // type 3 starting a new message repeats the previous delta
            }
            s.length = length;
            s.type = type;
            s.streamId = streamId;
            s.extended = extended;
            s.seen = true;
            streams.put(csid, s);
            if (starting) s.body = new ByteArrayOutputStream(length);
            s.body.write(b, p, take);
            p += take;
            if (s.body.size() == length) {
                Message m = new Message(csid, type, streamId, s.timestamp, s.body.toByteArray());
                s.body = null;
                control(m);
                out.add(m);
            }
            return p - at;
        }

        private void control(Message m) {
            if (m.type() == SET_CHUNK_SIZE) {
                if (m.body().length < 4)
                    throw new IllegalArgumentException("RTMP Set Chunk Size with " + m.body().length + " bytes");
                long size = u32(m.body(), 0) & 0x7FFFFFFFL;
                if (size < 1) throw new IllegalArgumentException("RTMP Set Chunk Size of 0");
                chunkSize = (int) Math.min(size, 0xFFFFFF);
            } else if (m.type() == ABORT && m.body().length >= 4) {
                StreamState s = streams.get((int) u32(m.body(), 0));
                if (s != null) s.body = null;
            }
        }

        private static final class StreamState {
            long timestamp;
            long delta;
            int length;
            int type;
            long streamId;
            boolean extended;
            boolean seen;
            ByteArrayOutputStream body;
        }
    }

    static long u24(byte[] b, int p) {
        return (b[p] & 0xFFL) << 16 | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL);
    }

    static long u32(byte[] b, int p) {
        return (b[p] & 0xFFL) << 24 | (b[p + 1] & 0xFFL) << 16 | (b[p + 2] & 0xFFL) << 8 | (b[p + 3] & 0xFFL);
    }
}
