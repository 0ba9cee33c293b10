package io.videolb.events;

import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.Objects;

/**
 * The stream inventory of one video server as health-service read it from the server's stats endpoint
 * (nginx-rtmp {@code rtmp_stat}), published on the health topic under the key {@code inventory/IP}: the streams
 * present, whether each is publishing, its viewers and outbound bandwidth; or, when the read failed ({@code known}
 * false), why ({@code reason}), never an empty list that would look like a server without streams. Sequenced like
 * verdicts (wall-clock microseconds of the checker); tombstoned when the server leaves the cluster.
 *
 * <p>Decoded strictly: at most {@link #MAX_STREAMS} streams, names as {@link #validName} says, no negative count.
 */
public record ServerStreams(
        Ipv4Address server,
        boolean known,
        String reason,
        List<Stream> streams,
        long bwOutBitsPerSecond,
        String checkerId,
        long sequence,
        long observedAtMs) {
    public static final String KEY_PREFIX = "inventory/";
    /** Most streams in one record (a record stays well under {@link HealthRecord#MAX_VALUE_CHARS}). */
    public static final int MAX_STREAMS = 150;
    /** Longest application or stream name. */
    public static final int MAX_NAME = 128;

    /** One stream: {@code app/name}, publishing or not, viewers (clients but the publisher), outbound bit/s. */
    public record Stream(String app, String name, boolean publishing, int viewers, long bwOutBitsPerSecond) {
        public Stream {
            if (!validName(app)) throw new IllegalArgumentException("application name '" + shorten(app) + "' " + RULE);
            if (!validName(name)) throw new IllegalArgumentException("stream name '" + shorten(name) + "' " + RULE);
            if (viewers < 0) throw new IllegalArgumentException("stream " + app + "/" + name + ": negative viewers");
            if (bwOutBitsPerSecond < 0)
                throw new IllegalArgumentException("stream " + app + "/" + name + ": negative bwOutBitsPerSecond");
        }

        public String path() {
            return app + "/" + name;
        }
    }

    private static final String RULE = "is not 1.." + MAX_NAME + " visible ASCII characters without <>\"&'/\\";

    public ServerStreams {
        Objects.requireNonNull(server, "server");
        reason = reason == null ? "" : reason;
        if (reason.length() > 1024) reason = reason.substring(0, 1024);
        streams = streams == null ? List.of() : List.copyOf(streams);
        checkerId = checkerId == null ? "" : checkerId;
        if (!known && !streams.isEmpty()) throw new IllegalArgumentException("an unknown inventory lists no streams");
        if (!known && reason.isEmpty()) throw new IllegalArgumentException("an unknown inventory needs its reason");
        if (streams.size() > MAX_STREAMS)
            throw new IllegalArgumentException(
                    streams.size() + " streams, more than " + MAX_STREAMS + " in one record");
        if (bwOutBitsPerSecond < 0) throw new IllegalArgumentException("negative bwOutBitsPerSecond");
    }

    /** The record's key: {@code inventory/IP}. */
    public String key() {
        return KEY_PREFIX + server;
    }

    /** The streams that are publishing, as {@code app/name}. */
    public List<String> publishingPaths() {
        return streams.stream().filter(Stream::publishing).map(Stream::path).toList();
    }

    /** An application or stream name: 1..128 visible ASCII characters, none of {@code <>"&'/\}. */
    public static boolean validName(String n) {
        return n != null
                && !n.isEmpty()
                && n.length() <= MAX_NAME
                && n.chars().allMatch(c -> c > 0x20 && c < 0x7f && "<>\"&'/\\".indexOf(c) < 0);
    }

    private static String shorten(String s) {
        if (s == null) return "null";
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
