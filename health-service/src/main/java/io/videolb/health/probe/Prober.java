package io.videolb.health.probe;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.videolb.events.ProbeLevel;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Runs probes with non-blocking I/O (Vert.x/Netty): no thread per server, every step bounded by
 * a timer, a late answer after the deadline only closes its socket. Call from one Vert.x context
 * (the scheduler's); the returned futures complete on it.
 */
public final class Prober implements AutoCloseable {
    /** Where per-step latencies go (the service's Micrometer registry; a no-op in unit use). */
    public interface StepRecorder {
        void record(ProbeLevel step, boolean ok, long micros);

        StepRecorder NONE = (step, ok, micros) -> {};
    }

    private static final int MAX_PLAYLIST_BYTES = 1 << 20;
    private static final int MAX_STATS_BYTES = 2 << 20;
    private static final int HANDSHAKE_REPLY = 1 + 2 * RtmpHandshake.SIZE;

    private final Vertx vertx;
    private final NetClient net;
    private final HttpClientAgent http;
    private final StepRecorder recorder;
    private final Random random = new Random(new SplittableRandom().nextLong());
    private final LongAdder bodyBytesRead = new LongAdder();
    private final AtomicLong largestBody = new AtomicLong();

    public Prober(Vertx vertx, StepRecorder recorder) {
        this.vertx = vertx;
        this.recorder = recorder;
        this.net = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        this.http = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(false).setMaxRedirects(0), new PoolOptions().setHttp1MaxSize(4));
    }

    /** Probes one endpoint at the settings' level; never fails, a failure is a result. */
    public Future<ProbeResult> probe(Endpoint ep, ProbeSettings s, HlsFreshness freshness) {
        long start = System.nanoTime();
        long timeout = s.timeout().toMillis();
        String host = ep.host().toString();
        List<Future<ProbeResult>> steps;
        if (s.level() == ProbeLevel.TCP) {
            steps = List.of(
                    tcp(host, ep.rtmpPort(), timeout, ProbeLevel.TCP),
                    tcp(host, ep.httpPort(), timeout, ProbeLevel.TCP));
        } else if (s.level() == ProbeLevel.RTMP) {
            steps = List.of(
                    rtmp(host, ep.rtmpPort(), timeout, s.rtmpApp(), s.rtmpPlayStream()),
                    tcp(host, ep.httpPort(), timeout, ProbeLevel.TCP));
        } else {
            steps = List.of(
                    rtmp(host, ep.rtmpPort(), timeout, s.rtmpApp(), s.rtmpPlayStream()),
                    hls(host, ep.httpPort(), s.hlsPath(), timeout, freshness));
        }
        return Future.join(steps).transform(ignored -> {
            long micros = micros(start);
            for (Future<ProbeResult> f : steps) {
                ProbeResult r = f.result();
                if (r == null)
                    return Future.succeededFuture(ProbeResult.fail(s.level(), "probe error: " + f.cause(), micros));
                if (!r.ok()) return Future.succeededFuture(new ProbeResult(false, r.level(), r.reason(), micros));
            }
            return Future.succeededFuture(ProbeResult.ok(s.level(), micros));
        });
    }

    /** TCP connect, then close. */
    public Future<ProbeResult> tcp(String host, int port, long timeoutMs, ProbeLevel as) {
        long start = System.nanoTime();
        Promise<ProbeResult> p = Promise.promise();
        long timer = vertx.setTimer(
                timeoutMs,
                id -> p.tryComplete(ProbeResult.fail(
                        as, "no TCP connect to " + host + ":" + port + " within " + timeoutMs + " ms", micros(start))));
        net.connect(new ConnectOptions().setHost(host).setPort(port).setTimeout((int) timeoutMs))
                .onComplete(ar -> {
                    vertx.cancelTimer(timer);
                    if (ar.succeeded()) {
                        ar.result().close();
                        p.tryComplete(ProbeResult.ok(as, micros(start)));
                    } else {
                        p.tryComplete(ProbeResult.fail(
                                as,
                                "TCP connect to " + host + ":" + port + " failed: " + message(ar.cause()),
                                micros(start)));
                    }
                });
        return record(ProbeLevel.TCP, p.future());
    }

    /** RTMP handshake: C0+C1 out, S0+S1+S2 back and checked, C2 out. */
    public Future<ProbeResult> rtmp(String host, int port, long timeoutMs) {
        return rtmp(host, port, timeoutMs, null);
    }

    /**
     * RTMP handshake: C0+C1 out, S0+S1+S2 back and checked, C2 out; with {@code app} (validated,
     * see {@link RtmpConnect}) also {@code connect} to that application out and {@code _result}
     * back. One timer bounds the whole step.
     */
    public Future<ProbeResult> rtmp(String host, int port, long timeoutMs, String app) {
        return rtmp(host, port, timeoutMs, app, null);
    }

    /**
     * As {@link #rtmp(String, int, long, String)}; with {@code playStream} (validated; needs {@code app}) the
     * connect is followed by createStream and play of it, and the step is up only when an audio or video message
     * of it arrives, all under the same one timer (the canary, see {@link RtmpConnect}).
     */
    public Future<ProbeResult> rtmp(String host, int port, long timeoutMs, String app, String playStream) {
        if (playStream != null && app == null) throw new IllegalArgumentException("a play stream needs an app");
        RtmpConnect.Session fresh = new RtmpConnect.Session(playStream); // validates the stream before any I/O
        long start = System.nanoTime();
        Promise<ProbeResult> p = Promise.promise();
        byte[] connect =
                app == null ? null : RtmpConnect.connectMessage(app, host, port); // validates app before any I/O
        byte[] c0c1 = RtmpHandshake.c0c1(random, (int) (System.currentTimeMillis() & 0x7fffffff));
        byte[] c1 = RtmpHandshake.c1Of(c0c1);
        Buffer reply = Buffer.buffer(HANDSHAKE_REPLY);
        NetSocket[] socket = new NetSocket[1];
        boolean[] finished = new boolean[1];
        RtmpConnect.Session[] session = new RtmpConnect.Session[1]; // set once C2 + connect are sent
        long timer = vertx.setTimer(timeoutMs, id -> {
            finished[0] = true;
            if (socket[0] != null) socket[0].close();
            String why = socket[0] == null
                    ? "no TCP connect to " + host + ":" + port + " within " + timeoutMs + " ms"
                    : session[0] != null
                            ? session[0].timeoutReason(app, timeoutMs)
                            : reply.length() == 0
                                    ? "no RTMP handshake reply within " + timeoutMs + " ms"
                                    : "incomplete RTMP handshake reply: " + Math.min(reply.length(), HANDSHAKE_REPLY)
                                            + " of " + HANDSHAKE_REPLY + " bytes within " + timeoutMs + " ms";
            p.tryComplete(ProbeResult.fail(ProbeLevel.RTMP, why, micros(start)));
        });
        net.connect(new ConnectOptions().setHost(host).setPort(port).setTimeout((int) timeoutMs))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        vertx.cancelTimer(timer);
                        p.tryComplete(ProbeResult.fail(
                                ProbeLevel.RTMP,
                                "TCP connect to " + host + ":" + port + " failed: " + message(ar.cause()),
                                micros(start)));
                        return;
                    }
                    NetSocket s = ar.result();
                    if (finished[0]) {
                        s.close();
                        return;
                    }
                    socket[0] = s;
                    Runnable done = () -> {
                        finished[0] = true;
                        vertx.cancelTimer(timer);
                        s.close();
                    };
                    s.handler(buf -> {
                        if (finished[0]) return;
                        if (session[0] != null) {
                            RtmpConnect.Outcome o = session[0].feed(buf.getBytes());
                            byte[] next = session[0].takeOutgoing();
                            if (o == null && next != null) s.write(Buffer.buffer(next));
                            if (o != null) {
                                done.run();
                                p.tryComplete(
                                        o.ok()
                                                ? ProbeResult.ok(ProbeLevel.RTMP, micros(start))
                                                : ProbeResult.fail(ProbeLevel.RTMP, o.reason(), micros(start)));
                            }
                            return;
                        }
                        reply.appendBuffer(buf);
                        if (reply.length() < HANDSHAKE_REPLY) return;
                        byte[] s0s1s2 = reply.getBytes(0, HANDSHAKE_REPLY);
                        String bad = RtmpHandshake.checkServerReply(c1, s0s1s2);
                        if (bad != null) {
                            done.run();
                            p.tryComplete(ProbeResult.fail(ProbeLevel.RTMP, bad, micros(start)));
                            return;
                        }
                        if (connect == null) {
                            finished[0] = true;
                            vertx.cancelTimer(timer);
                            s.write(Buffer.buffer(RtmpHandshake.c2(s0s1s2))).onComplete(w -> {
                                s.close();
                                p.tryComplete(
                                        w.succeeded()
                                                ? ProbeResult.ok(ProbeLevel.RTMP, micros(start))
                                                : ProbeResult.fail(
                                                        ProbeLevel.RTMP,
                                                        "cannot send RTMP C2: " + message(w.cause()),
                                                        micros(start)));
                            });
                            return;
                        }
                        session[0] = fresh;
                        s.write(Buffer.buffer(RtmpHandshake.c2(s0s1s2)).appendBytes(connect));
                        if (reply.length() > HANDSHAKE_REPLY) { // the server may already have sent more after S2
                            RtmpConnect.Outcome o = session[0].feed(reply.getBytes(HANDSHAKE_REPLY, reply.length()));
                            byte[] next = session[0].takeOutgoing();
                            if (o == null && next != null) s.write(Buffer.buffer(next));
                            if (o != null) {
                                done.run();
                                p.tryComplete(
                                        o.ok()
                                                ? ProbeResult.ok(ProbeLevel.RTMP, micros(start))
                                                : ProbeResult.fail(ProbeLevel.RTMP, o.reason(), micros(start)));
                            }
                        }
                    });
                    s.closeHandler(v -> {
                        if (finished[0]) return;
                        finished[0] = true;
                        vertx.cancelTimer(timer);
                        p.tryComplete(ProbeResult.fail(
                                ProbeLevel.RTMP,
                                session[0] != null
                                        ? session[0].closedReason(app)
                                        : "server closed the connection after " + reply.length()
                                                + " RTMP handshake bytes",
                                micros(start)));
                    });
                    s.exceptionHandler(e -> {
                        if (finished[0]) return;
                        done.run();
                        p.tryComplete(ProbeResult.fail(
                                ProbeLevel.RTMP,
                                (session[0] != null ? "rtmp connect: I/O error: " : "RTMP handshake I/O error: ")
                                        + message(e),
                                micros(start)));
                    });
                    s.write(Buffer.buffer(c0c1));
                });
        return record(ProbeLevel.RTMP, p.future());
    }

    /**
     * GET the playlist: 200, #EXTM3U, #EXT-X-TARGETDURATION, and a media sequence that advances. The body is
     * read by {@link #boundedGet}, capped at {@link #MAX_PLAYLIST_BYTES}.
     */
    public Future<ProbeResult> hls(String host, int port, String path, long timeoutMs, HlsFreshness freshness) {
        long start = System.nanoTime();
        Future<ProbeResult> f = boundedGet(host, port, path, timeoutMs, MAX_PLAYLIST_BYTES, "HLS playlist")
                .map(body -> {
                    if (body.failure() != null) return ProbeResult.fail(ProbeLevel.HLS, body.failure(), micros(start));
                    String bad;
                    try {
                        bad = freshness.observe(
                                HlsPlaylist.parse(new String(body.bytes(), StandardCharsets.UTF_8)),
                                System.currentTimeMillis());
                    } catch (IllegalArgumentException e) {
                        bad = "HLS " + path + ": " + e.getMessage();
                    }
                    return bad == null
                            ? ProbeResult.ok(ProbeLevel.HLS, micros(start))
                            : ProbeResult.fail(ProbeLevel.HLS, bad, micros(start));
                });
        return record(ProbeLevel.HLS, f);
    }

    /**
     * GET a server's nginx-rtmp {@code rtmp_stat} page and parse it ({@link RtmpStatXml}); the body is read by
     * {@link #boundedGet}, capped at {@link #MAX_STATS_BYTES}. Never fails: a failure is an unknown inventory
     * with its reason.
     */
    public Future<InventoryResult> streamInventory(String host, int port, String path, long timeoutMs) {
        long start = System.nanoTime();
        return boundedGet(host, port, path, timeoutMs, MAX_STATS_BYTES, "rtmp_stat")
                .map(body -> {
                    if (body.failure() != null) return InventoryResult.unknown(body.failure(), micros(start));
                    try {
                        return InventoryResult.known(RtmpStatXml.parse(body.bytes()), micros(start));
                    } catch (IllegalArgumentException e) {
                        return InventoryResult.unknown(
                                "rtmp_stat from " + host + ":" + port + path + ": " + e.getMessage(), micros(start));
                    }
                });
    }

    /** The cap on a control answer: nginx-rtmp answers a decimal count. */
    private static final int MAX_CONTROL_BYTES = 64;

    /** What one drop call did: subscribers dropped, or why it failed. */
    public record Drop(int dropped, String failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    /**
     * Drops the subscribers of {@code app/name} through an nginx-rtmp {@code rtmp_control} location: GET
     * {@code controlPath/drop/subscriber?app=APP&name=NAME}, read by {@link #boundedGet} (cap
     * {@value #MAX_CONTROL_BYTES} bytes, {@code timeoutMs}); the answer is the count dropped. Both names must be
     * {@link #urlSafeName URL-safe}: nginx-rtmp compares the query's raw bytes (no unescaping), and an empty or
     * missing {@code app}/{@code name} would widen the drop to every application/stream. Never fails: a failure is
     * a {@link Drop} with its reason.
     */
    public Future<Drop> dropSubscribers(
            String host, int port, String controlPath, String app, String name, long timeoutMs) {
        if (!urlSafeName(app) || !urlSafeName(name))
            return Future.succeededFuture(new Drop(
                    0,
                    "stream '" + shorten(app) + "/" + shorten(name)
                            + "' not dropped: names in a control URL must be 1..256 of [A-Za-z0-9._~-]"));
        String path = controlPath + "/drop/subscriber?app=" + app + "&name=" + name;
        return boundedGet(host, port, path, timeoutMs, MAX_CONTROL_BYTES, "control")
                .map(body -> {
                    if (body.failure() != null) return new Drop(0, body.failure());
                    String count = new String(body.bytes(), StandardCharsets.US_ASCII).strip();
                    if (!count.matches("[0-9]{1,9}"))
                        return new Drop(
                                0,
                                "control " + host + ":" + port + path + " answered '" + shorten(count)
                                        + "', not a count");
                    return new Drop(Integer.parseInt(count), null);
                });
    }

    /** A name that may go into a control URL's query as it is: 1..256 of {@code [A-Za-z0-9._~-]}. */
    public static boolean urlSafeName(String n) {
        return n != null && n.matches("[A-Za-z0-9._~-]{1,256}");
    }

    private static String shorten(String s) {
        if (s == null) return "";
        String v = s.chars().allMatch(c -> c >= 0x20 && c < 0x7f) ? s : s.replaceAll("[^\\x20-\\x7e]", "?");
        return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }

    /** A bounded GET's outcome: the whole body, or why there is none. */
    record Body(byte[] bytes, String failure) {}

    /**
     * The one bounded HTTP GET of every probe that reads a body. Status 200 only (any other status: its body is
     * never read). The body is streamed into a buffer capped at {@code maxBytes}: a Content-Length above it, or
     * more bytes than it while reading (chunked, or a lying length), resets the request at once; so does the
     * timeout (a server that trickles forever). So a read never holds more than the cap plus one network
     * buffer, and its connection never outlives the probe. Never fails: a failure is a {@link Body} with its
     * reason, which names {@code what}.
     */
    Future<Body> boundedGet(String host, int port, String path, long timeoutMs, int maxBytes, String what) {
        Promise<Body> p = Promise.promise();
        HttpClientRequest[] request = new HttpClientRequest[1];
        long[] read = new long[1];
        Runnable reset = () -> {
            if (request[0] != null) request[0].reset();
        };
        long timer = vertx.setTimer(timeoutMs, id -> {
            p.tryComplete(new Body(
                    null,
                    (read[0] == 0
                                    ? "no " + what + " from " + host + ":" + port + path
                                    : "incomplete " + what + " from " + host + ":" + port + path + " (" + read[0]
                                            + " bytes read)")
                            + " within " + timeoutMs + " ms"));
            reset.run(); // after the result: the reset's own error must not become the reason
        });
        Consumer<String> fail = why -> {
            vertx.cancelTimer(timer);
            p.tryComplete(new Body(null, why));
            reset.run(); // after the result: the reset's own error must not become the reason
        };
        String get = what.startsWith("HLS") ? "HLS" : what;
        RequestOptions ro = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(host)
                .setPort(port)
                .setURI(path)
                .setConnectTimeout(timeoutMs)
                .setIdleTimeout(timeoutMs);
        http.request(ro)
                .compose(req -> {
                    request[0] = req;
                    if (p.future().isComplete()) { // timed out while connecting
                        req.reset();
                        return Future.failedFuture("timed out");
                    }
                    return req.send();
                })
                .onComplete(ar -> {
                    if (p.future().isComplete()) return;
                    if (ar.failed()) {
                        fail.accept(get + " GET " + host + ":" + port + path + " failed: " + message(ar.cause()));
                        return;
                    }
                    HttpClientResponse resp = ar.result();
                    if (resp.statusCode() != 200) {
                        fail.accept(what + " " + path + " answered HTTP " + resp.statusCode());
                        return;
                    }
                    String len = resp.getHeader("Content-Length");
                    if (len != null
                            && (!len.strip().matches("[0-9]{1,18}") || Long.parseLong(len.strip()) > maxBytes)) {
                        fail.accept(what + " too large: Content-Length "
                                + (len.length() > 20 ? len.substring(0, 20) + "..." : len) + ", more than "
                                + maxBytes + " bytes (request reset)");
                        return;
                    }
                    Buffer body = Buffer.buffer();
                    resp.handler(chunk -> {
                        if (p.future().isComplete()) return;
                        read[0] += chunk.length();
                        bodyBytesRead.add(chunk.length());
                        if (read[0] > maxBytes) {
                            fail.accept(what + " larger than " + maxBytes + " bytes (request reset after " + read[0]
                                    + " bytes read)");
                            return;
                        }
                        body.appendBuffer(chunk);
                        largestBody.accumulateAndGet(read[0], Math::max);
                    });
                    resp.exceptionHandler(e -> {
                        if (!p.future().isComplete())
                            fail.accept(get + " GET " + host + ":" + port + path + " failed: " + message(e));
                    });
                    resp.endHandler(v -> {
                        if (p.future().isComplete()) return;
                        vertx.cancelTimer(timer);
                        p.tryComplete(new Body(body.getBytes(), null));
                    });
                });
        return p.future();
    }

    /** The cap on one rtmp_stat body. */
    public static int maxStatsBytes() {
        return MAX_STATS_BYTES;
    }

    /** Bytes of HTTP bodies (HLS playlists, rtmp_stat pages) read so far, over all probes (tests: a reset stops the reading). */
    public long httpBodyBytesRead() {
        return bodyBytesRead.sum();
    }

    /** The most bytes of one HTTP body ever held by this prober: never more than the largest cap. */
    public long largestHttpBodyHeld() {
        return largestBody.get();
    }

    /** The cap on one HLS playlist body. */
    public static int maxPlaylistBytes() {
        return MAX_PLAYLIST_BYTES;
    }

    private Future<ProbeResult> record(ProbeLevel step, Future<ProbeResult> f) {
        return f.onSuccess(r -> recorder.record(step, r.ok(), r.latencyMicros()));
    }

    private static long micros(long startNanos) {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startNanos);
    }

    private static String message(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    @Override
    public void close() {
        net.close();
        http.close();
    }
}
