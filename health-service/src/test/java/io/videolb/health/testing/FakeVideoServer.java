package io.videolb.health.testing;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetServer;
import io.videolb.health.probe.Amf0;
import io.videolb.health.probe.RtmpChunks;
import io.videolb.health.probe.RtmpHandshake;
import java.util.Arrays;
import java.util.Random;

/**
 * A lightweight RTMP-handshake + HLS-playlist responder on loopback, with switchable
 * misbehaviour: the "own misbehaving servers" of the ITs and the 1,000 simulated servers of the
 * benchmark. Modes are volatile: a test can toggle them while probes run.
 */
public final class FakeVideoServer implements AutoCloseable {
    public enum Rtmp {
        SIMPLE_ECHO,
        DIGEST,
        SILENT,
        WRONG_ECHO,
        CLOSE
    }

    public enum Hls {
        ADVANCING,
        FROZEN,
        SLOW,
        NOT_FOUND,
        NOT_M3U8
    }

    public volatile Rtmp rtmp = Rtmp.SIMPLE_ECHO;
    public volatile Hls hls = Hls.ADVANCING;
    /**
     * How the server answers an AMF0 {@code connect} after the handshake: null never answers
     * (the "handshake but no connect answer" misbehaviour); {@code "_result"} accepts; anything
     * else is sent as the description of an {@code _error NetConnection.Connect.Rejected}. Like
     * nginx-rtmp, Set Chunk Size 4096 and Window Ack Size go first and the answer comes in one chunk.
     */
    public volatile String connectAnswer;
    /** Delay of a SLOW answer. */
    public volatile long slowMs = 5_000;

    private final Vertx vertx;
    private final NetServer net;
    private final HttpServer http;
    private final long startedAt = System.currentTimeMillis();
    private final Random random = new Random();

    private FakeVideoServer(Vertx vertx, NetServer net, HttpServer http) {
        this.vertx = vertx;
        this.net = net;
        this.http = http;
    }

    /** Starts on {@code host} with the given ports (0: any free port). */
    public static FakeVideoServer start(Vertx vertx, String host, int rtmpPort, int httpPort) {
        NetServer net = vertx.createNetServer();
        HttpServer http = vertx.createHttpServer();
        FakeVideoServer s = new FakeVideoServer(vertx, net, http);
        net.connectHandler(sock -> {
            Buffer in = Buffer.buffer();
            boolean[] answered = new boolean[2];
            sock.handler(b -> {
                in.appendBuffer(b);
                if (answered[0] && !answered[1] && in.length() > 1 + 2 * RtmpHandshake.SIZE) {
                    // C2 and the start of connect are here (we answer without parsing it: the prober's bytes are
                    // checked by unit tests)
                    String answer = s.connectAnswer;
                    if (answer == null) return;
                    answered[1] = true;
                    sock.write(Buffer.buffer(connectAnswer(answer)));
                    return;
                }
                if (answered[0] || in.length() < 1 + RtmpHandshake.SIZE) return;
                answered[0] = true;
                byte[] c1 = in.getBytes(1, 1 + RtmpHandshake.SIZE);
                Rtmp mode = s.rtmp;
                if (mode == Rtmp.SILENT) return;
                if (mode == Rtmp.CLOSE) {
                    sock.close();
                    return;
                }
                byte[] s1 = new byte[RtmpHandshake.SIZE];
                s.random.nextBytes(s1);
                Arrays.fill(s1, 0, 8, (byte) 0);
                byte[] s2;
                if (mode == Rtmp.DIGEST) {
                    s2 = RtmpHandshake.digestS2(c1, s.random);
                } else if (mode == Rtmp.WRONG_ECHO) {
                    s2 = c1.clone();
                    s2[100] ^= 0x55;
                } else {
                    s2 = c1.clone();
                }
                Buffer out = Buffer.buffer(1 + 2 * RtmpHandshake.SIZE)
                        .appendByte(RtmpHandshake.VERSION)
                        .appendBytes(s1)
                        .appendBytes(s2);
                sock.write(out);
            });
        });
        http.requestHandler(req -> {
            Hls mode = s.hls;
            long seq = (System.currentTimeMillis() - s.startedAt) / 1000;
            if (mode == Hls.NOT_FOUND) {
                req.response().setStatusCode(404).end("no such stream");
            } else if (mode == Hls.NOT_M3U8) {
                req.response().end("<html>hello</html>");
            } else if (mode == Hls.SLOW) {
                s.vertx.setTimer(s.slowMs, id -> req.response().end(playlist(seq)));
            } else if (mode == Hls.FROZEN) {
                req.response()
                        .putHeader("Content-Type", "application/vnd.apple.mpegurl")
                        .end(playlist(42));
            } else {
                req.response()
                        .putHeader("Content-Type", "application/vnd.apple.mpegurl")
                        .end(playlist(seq));
            }
        });
        Future.all(net.listen(rtmpPort, host), http.listen(httpPort, host)).await();
        return s;
    }

    static byte[] connectAnswer(String answer) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(RtmpChunks.chunk(2, RtmpChunks.WINDOW_ACK_SIZE, 0, 0, new byte[] {0, 0x4c, 0x4b, 0x40}, 128));
        out.writeBytes(RtmpChunks.chunk(2, RtmpChunks.SET_CHUNK_SIZE, 0, 0, new byte[] {0, 0, 0x10, 0}, 128));
        java.util.Map<String, Object> info = new java.util.LinkedHashMap<>();
        byte[] body;
        if (answer.equals("_result")) {
            info.put("level", "status");
            info.put("code", "NetConnection.Connect.Success");
            info.put("description", "Connection succeeded.");
            info.put("objectEncoding", 0);
            body = Amf0.encode("_result", 1, java.util.Map.of("fmsVer", "FMS/3,0,1,123", "capabilities", 31), info);
        } else {
            info.put("level", "error");
            info.put("code", "NetConnection.Connect.Rejected");
            info.put("description", answer);
            body = Amf0.encode("_error", 1, null, info);
        }
        out.writeBytes(RtmpChunks.chunk(3, RtmpChunks.AMF0_COMMAND, 0, 0, body, 4096));
        return out.toByteArray();
    }

    static String playlist(long seq) {
        return "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:" + seq + "\n"
                + "#EXTINF:1.000,\ntest-" + seq + ".ts\n#EXTINF:1.000,\ntest-" + (seq + 1) + ".ts\n";
    }

    public int rtmpPort() {
        return net.actualPort();
    }

    public int httpPort() {
        return http.actualPort();
    }

    @Override
    public void close() {
        Future.all(net.close(), http.close()).await();
    }
}
