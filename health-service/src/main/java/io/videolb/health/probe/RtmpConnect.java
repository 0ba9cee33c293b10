package io.videolb.health.probe;

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

    /** The connect command as chunks of the default size 128 on chunk stream 3, message stream 0. */
    public static byte[] connectMessage(String app, String host, int port) {
        return RtmpChunks.chunk(
                3, RtmpChunks.AMF0_COMMAND, 0, 0, connectBody(app, host, port), RtmpChunks.DEFAULT_CHUNK_SIZE);
    }

    /** The answer to a connect: {@code ok}, or not with the reason in plain words. */
    public record Outcome(boolean ok, String reason) {}

    /**
     * Reads what the server sends after the handshake until the answer to our connect.
     * {@link #feed} returns null while no answer has arrived.
     */
    public static final class Session {
        private final RtmpChunks.Reader reader = new RtmpChunks.Reader(MAX_MESSAGE);
        private long bytes;
        private Outcome outcome;

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
                        new Outcome(false, "rtmp connect: bad answer: " + printable(e.getMessage(), MAX_SERVER_TEXT));
            }
            if (bytes > MAX_BYTES)
                return outcome =
                        new Outcome(false, "rtmp connect: more than " + MAX_BYTES + " bytes without an answer");
            return null;
        }

        /** The chunk size the server announced (128 until it sends Set Chunk Size). */
        public int readChunkSize() {
            return reader.chunkSize();
        }

        private static Outcome answer(RtmpChunks.Message m) {
            byte[] body = m.body();
            if (m.type() == RtmpChunks.AMF3_COMMAND && body.length > 0 && body[0] == 0) {
                body = java.util.Arrays.copyOfRange(
                        body, 1, body.length); // AMF3 command messages start with a 0 byte, then AMF0
            } else if (m.type() != RtmpChunks.AMF0_COMMAND) {
                return null; // protocol control, user control, data: not the answer
            }
            List<Object> v = Amf0.decodeAll(body);
            if (v.size() < 2 || !(v.get(0) instanceof String name) || !(v.get(1) instanceof Double txn) || txn != 1.0) {
                return null; // onBWDone and other commands
            }
            if (name.equals("_result")) return new Outcome(true, "ok");
            if (name.equals("_error")) {
                Object info = v.size() > 3 ? v.get(3) : null;
                String code = null, description = null;
                if (info instanceof Map<?, ?> map) {
                    code = map.get("code") instanceof String s ? s : null;
                    description = map.get("description") instanceof String s ? s : null;
                }
                String text = (code == null ? "(no code)" : code)
                        + (description == null || description.isEmpty() ? "" : " " + description);
                return new Outcome(false, "rtmp connect: _error " + printable(text, MAX_SERVER_TEXT));
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
