package io.videolb.health.probe;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The optional step after the RTMP handshake: NetConnection {@code connect} to an application,
 * expecting {@code _result} (RTMP spec 1.0 section 7.2.1.1). Pure byte logic.
 *
 * <pre>
 *  client                                   server
 *   C2, connect (csid 3, type 20, txn 1) -->
 *                                       <--  Window Ack Size, Set Peer Bandwidth, Set Chunk Size,
 *                                            User Control ... (any order, any number)
 *                                       <--  _result (txn 1)  -> up
 *                                            _error  (txn 1)  -> down, "rtmp connect: _error CODE DESCRIPTION"
 * </pre>
 *
 * <p>With a stream to play (the canary, issue 16) the {@code _result} is not the end:
 *
 * <pre>
 *   createStream (csid 3, txn 2)          -->
 *                                       <--  _result (txn 2, null, STREAM-ID)   (_error -> down)
 *   play NAME (csid 8, message stream STREAM-ID, txn 0) -->
 *                                       <--  onStatus NetStream.Play.Reset/Start ... (level error -> down)
 *                                       <--  audio (8) / video (9) message on STREAM-ID  -> up
 * </pre>
 *
 * <p>The application name is validated (a short {@code [A-Za-z0-9._-]} name) before it reaches
 * the wire; text from the server is reduced to printable ASCII of bounded length before it
 * reaches a reason.
 */
public final class RtmpConnect {
    public static final int MAX_APP = 64;
    /** Longest server text put into a reason. */
    public static final int MAX_SERVER_TEXT = 160;
    /** Largest single message accepted from the server while waiting for the answer. */
    static final int MAX_MESSAGE = 64 * 1024;
    /** Most bytes read from the server while waiting for the answer. */
    static final int MAX_BYTES = 1 << 20;
    /** With a stream to play: the largest message (a keyframe) and the most bytes read before the outcome. */
    static final int MAX_PLAY_MESSAGE = 2 << 20, MAX_PLAY_BYTES = 8 << 20;

    static final String FLASH_VER = "FMLE/3.0 (compatible; videolb-health)";
    private static final Pattern APP = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_APP + "}");

    private RtmpConnect() {}

    /** Null or a valid application name; else {@link IllegalArgumentException} naming {@code field}. */
    public static String checkApp(String app, String field) {
        if (app == null) return null;
        if (!APP.matcher(app).matches() || app.equals(".") || app.equals("..")) {
            throw new IllegalArgumentException(field + " must be 1-" + MAX_APP
                    + " of [A-Za-z0-9._-] (an RTMP application name such as 'live'), got '"
                    + printable(app, MAX_APP + 8) + "'");
        }
        return app;
    }

    /** The connect command's AMF0 body: "connect", 1, {app, type, flashVer, tcUrl}. */
    public static byte[] connectBody(String app, String host, int port) {
        checkApp(app, "rtmpApp");
        if (app == null) throw new IllegalArgumentException("rtmpApp is required for connect");
        if (!host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"))
            throw new IllegalArgumentException("host must be a literal IPv4 address: " + printable(host, 40));
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
        Map<String, Object> cmd = new LinkedHashMap<>();
        cmd.put("app", app);
        cmd.put("type", "nonprivate");
        cmd.put("flashVer", FLASH_VER);
        cmd.put("tcUrl", "rtmp://" + host + ":" + port + "/" + app);
        return Amf0.encode("connect", 1, cmd);
    }

    /** The createStream command's AMF0 body: "createStream", 2, null. */
    public static byte[] createStreamBody() {
        return Amf0.encode("createStream", 2, null);
    }

    /** The play command's AMF0 body: "play", 0, null, {@code stream} (validated as an application name is). */
    public static byte[] playBody(String stream) {
        checkApp(stream, "rtmpPlayStream");
        if (stream == null) throw new IllegalArgumentException("rtmpPlayStream is required for play");
        return Amf0.encode("play", 0, null, stream);
    }

    /** The connect command as chunks of the default size 128 on chunk stream 3, message stream 0. */
    public static byte[] connectMessage(String app, String host, int port) {
        return RtmpChunks.chunk(
                3, RtmpChunks.AMF0_COMMAND, 0, 0, connectBody(app, host, port), RtmpChunks.DEFAULT_CHUNK_SIZE);
    }

    /** The answer to a connect: {@code ok}, or not with the reason in plain words. */
    public record Outcome(boolean ok, String reason) {}

    /**
     * Reads what the server sends after the handshake until the answer to our connect, and, with a stream to
     * play, drives createStream and play until media of it arrives. {@link #feed} returns null while there is no
     * outcome; {@link #takeOutgoing} gives what to send next (createStream, play), null if nothing.
     */
    public static final class Session {
        static final int AUDIO = 8, VIDEO = 9;
        private final RtmpChunks.Reader reader;
        private final String playStream;
        private final long maxBytes;
        private long bytes;
        private Outcome outcome;
        private Phase phase = Phase.CONNECT;
        private long streamId = -1;
        private String lastStatus;
        private byte[] outgoing;

        enum Phase {
            CONNECT,
            CREATE_STREAM,
            PLAY
        }

        /** Connect only. */
        public Session() {
            this(null);
        }

        /** Connect, then (when {@code playStream} is not null, validated) createStream and play of it. */
        public Session(String playStream) {
            this.playStream = playStream == null ? null : checkApp(playStream, "rtmpPlayStream");
            this.reader = new RtmpChunks.Reader(playStream == null ? MAX_MESSAGE : MAX_PLAY_MESSAGE);
            this.maxBytes = playStream == null ? MAX_BYTES : MAX_PLAY_BYTES;
        }

        public Outcome feed(byte[] data) {
            if (outcome != null) return outcome;
            bytes += data.length;
            try {
                for (RtmpChunks.Message m : reader.feed(data)) {
                    outcome = answer(m);
                    if (outcome != null) return outcome;
                }
            } catch (IllegalArgumentException e) {
                return outcome =
                        new Outcome(false, prefix() + ": bad answer: " + printable(e.getMessage(), MAX_SERVER_TEXT));
            }
            if (bytes > maxBytes)
                return outcome = new Outcome(false, prefix() + ": more than " + maxBytes + " bytes without an answer");
            return null;
        }

        /** The bytes to send now (a createStream or play command), once; null if none. */
        public byte[] takeOutgoing() {
            byte[] o = outgoing;
            outgoing = null;
            return o;
        }

        /** The chunk size the server announced (128 until it sends Set Chunk Size). */
        public int readChunkSize() {
            return reader.chunkSize();
        }

        /** Why the step is down when the timeout fires now. */
        public String timeoutReason(String app, long timeoutMs) {
            return switch (phase) {
                case CONNECT -> "rtmp connect: no answer to connect (app '" + app + "') within " + timeoutMs + " ms";
                case CREATE_STREAM ->
                    "rtmp play: no answer to createStream (app '" + app + "') within " + timeoutMs + " ms";
                case PLAY ->
                    "rtmp play: no audio/video of stream '" + app + "/" + playStream + "' within "
                            + timeoutMs + " ms (last status: "
                            + (lastStatus == null ? "none" : printable(lastStatus, MAX_SERVER_TEXT)) + ")";
            };
        }

        /** Why the step is down when the server closes now. */
        public String closedReason(String app) {
            return switch (phase) {
                case CONNECT ->
                    "rtmp connect: server closed the connection before answering connect (app '" + app + "')";
                case CREATE_STREAM ->
                    "rtmp play: server closed the connection before answering createStream (app '" + app + "')";
                case PLAY ->
                    "rtmp play: server closed the connection before audio/video of stream '" + app + "/"
                            + playStream + "' (last status: "
                            + (lastStatus == null ? "none" : printable(lastStatus, MAX_SERVER_TEXT)) + ")";
            };
        }

        private String prefix() {
            return phase == Phase.CONNECT ? "rtmp connect" : "rtmp play";
        }

        private Outcome answer(RtmpChunks.Message m) {
            if (phase == Phase.PLAY
                    && (m.type() == AUDIO || m.type() == VIDEO)
                    && m.streamId() == streamId
                    && m.body().length > 0) return new Outcome(true, "ok");
            byte[] body = m.body();
            if (m.type() == RtmpChunks.AMF3_COMMAND && body.length > 0 && body[0] == 0) {
                body = Arrays.copyOfRange(body, 1, body.length); // AMF3 command messages start with a 0 byte, then AMF0
            } else if (m.type() != RtmpChunks.AMF0_COMMAND) {
                return null; // protocol control, user control, data: not the answer
            }
            List<Object> v = Amf0.decodeAll(body);
            if (v.size() < 2 || !(v.get(0) instanceof String name) || !(v.get(1) instanceof Double txn)) return null;
            if (phase == Phase.PLAY) {
                if (!name.equals("onStatus")) return null;
                Map<?, ?> info = v.size() > 3 && v.get(3) instanceof Map<?, ?> map ? map : Map.of();
                String code = info.get("code") instanceof String c ? c : "(no code)";
                String description = info.get("description") instanceof String d ? d : "";
                lastStatus = code;
                if ("error".equals(info.get("level")))
                    return new Outcome(
                            false,
                            "rtmp play: onStatus "
                                    + printable(
                                            code + (description.isEmpty() ? "" : " " + description), MAX_SERVER_TEXT)
                                    + " (stream '" + printable(playStream, MAX_APP) + "')");
                return null;
            }
            double expected = phase == Phase.CONNECT ? 1.0 : 2.0;
            if (txn != expected) return null; // onBWDone and other commands
            if (name.equals("_result")) {
                if (phase == Phase.CONNECT) {
                    if (playStream == null) return new Outcome(true, "ok");
                    phase = Phase.CREATE_STREAM;
                    outgoing = RtmpChunks.chunk(
                            3, RtmpChunks.AMF0_COMMAND, 0, 0, createStreamBody(), RtmpChunks.DEFAULT_CHUNK_SIZE);
                    return null;
                }
                if (v.size() < 4
                        || !(v.get(3) instanceof Double id)
                        || id < 0
                        || id > 0x7fffffff
                        || id != Math.floor(id))
                    return new Outcome(false, "rtmp play: createStream _result without a stream id");
                streamId = id.longValue();
                phase = Phase.PLAY;
                outgoing = RtmpChunks.chunk(
                        8,
                        RtmpChunks.AMF0_COMMAND,
                        (int) streamId,
                        0,
                        playBody(playStream),
                        RtmpChunks.DEFAULT_CHUNK_SIZE);
                return null;
            }
            if (name.equals("_error")) {
                Object info = v.size() > 3 ? v.get(3) : null;
                String code = null, description = null;
                if (info instanceof Map<?, ?> map) {
                    code = map.get("code") instanceof String s ? s : null;
                    description = map.get("description") instanceof String s ? s : null;
                }
                String text = (code == null ? "(no code)" : code)
                        + (description == null || description.isEmpty() ? "" : " " + description);
                return new Outcome(
                        false,
                        (phase == Phase.CONNECT ? "rtmp connect: _error " : "rtmp play: createStream _error ")
                                + printable(text, MAX_SERVER_TEXT));
            }
            return null;
        }
    }

    /** Printable ASCII only (anything else becomes '?'), at most {@code max} characters ("..." marks a cut). */
    public static String printable(String s, int max) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        if (s.length() > max) b.setLength(Math.max(0, max - 3));
        else return b.toString();
        return b.append("...").toString();
    }
}
