package io.videolb.health.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real RTMP + HLS server on loopback for ITs: Debian's nginx with libnginx-mod-rtmp, fed by
 * ffmpeg's lavfi test source (160x120, 10 fps, 1 s keyframes). Own config and prefix in a temp
 * directory, {@code daemon off; master_process off;}, free loopback ports, stopped by PID.
 * Needs the Debian packages nginx, libnginx-mod-rtmp and ffmpeg.
 */
public final class NginxRtmp implements AutoCloseable {
    public static final Path NGINX = Path.of("/usr/sbin/nginx");
    public static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    public static final Path RTMP_MODULE = Path.of("/usr/lib/nginx/modules/ngx_rtmp_module.so");

    public final Path dir;
    public final int rtmpPort;
    public final int httpPort;
    private Process nginx;
    private Process ffmpeg;
    private final List<Process> extra = new java.util.ArrayList<>();

    public static boolean available() {
        return Files.isExecutable(NGINX) && Files.isExecutable(FFMPEG) && Files.isReadable(RTMP_MODULE);
    }

    public static String missing() {
        return "needs Debian packages nginx, libnginx-mod-rtmp, ffmpeg (" + NGINX + ", " + RTMP_MODULE + ", " + FFMPEG
                + ")";
    }

    public NginxRtmp() throws IOException {
        dir = Files.createTempDirectory("videolb-nginx-rtmp");
        rtmpPort = freePort();
        httpPort = freePort();
        Files.createDirectories(dir.resolve("hls"));
        Files.createDirectories(dir.resolve("logs"));
        String conf = String.join(
                "\n",
                "load_module " + RTMP_MODULE + ";",
                "daemon off;",
                "master_process off;",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + dir.resolve("logs/error.log") + " warn;",
                "events { worker_connections 256; }",
                "rtmp {",
                "  server {",
                "    listen 127.0.0.1:" + rtmpPort + ";",
                "    chunk_size 4096;",
                "    application live {",
                "      live on;",
                "      record off;",
                "      hls on;",
                "      hls_path " + dir.resolve("hls") + ";",
                "      hls_fragment 1s;",
                "      hls_playlist_length 4s;",
                "    }",
                "  }",
                "}",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + dir.resolve("tmp-body") + ";",
                "  proxy_temp_path " + dir.resolve("tmp-proxy") + ";",
                "  fastcgi_temp_path " + dir.resolve("tmp-fcgi") + ";",
                "  uwsgi_temp_path " + dir.resolve("tmp-uwsgi") + ";",
                "  scgi_temp_path " + dir.resolve("tmp-scgi") + ";",
                "  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }",
                "  server {",
                "    listen 127.0.0.1:" + httpPort + ";",
                "    location /hls/ { alias " + dir.resolve("hls") + "/; add_header Cache-Control no-cache; }",
                "    location /stat { rtmp_stat all; }",
                "    location /control { rtmp_control all; }",
                "  }",
                "}",
                "");
        Files.writeString(dir.resolve("nginx.conf"), conf, StandardCharsets.UTF_8);
    }

    /**
     * A started one for an IT ({@link #start}), or an AssertionError "NOT SKIPPED, FAILED: ..." when the packages are
     * missing: an IT that needs nginx-rtmp fails where it cannot run, it is never skipped.
     */
    public static NginxRtmp startOrFail() throws IOException, InterruptedException {
        if (!available()) throw new AssertionError("NOT SKIPPED, FAILED: " + missing());
        return new NginxRtmp().start();
    }

    /** Starts nginx, waits until it listens, then starts ffmpeg pushing to rtmp://127.0.0.1:PORT/live/test. */
    public NginxRtmp start() throws IOException, InterruptedException {
        nginx = new ProcessBuilder(
                        NGINX.toString(),
                        "-p",
                        dir.toString(),
                        "-c",
                        dir.resolve("nginx.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/nginx.out").toFile())
                .start();
        waitListening(rtmpPort, 10_000);
        waitListening(httpPort, 10_000);
        startFfmpeg();
        return this;
    }

    public void startFfmpeg() throws IOException {
        ffmpeg = publisher("test");
    }

    /** Starts another ffmpeg publishing the test source as live/{@code stream}; stopped by {@link #stop} or close. */
    public Process startPublisher(String stream) throws IOException {
        Process p = publisher(stream);
        extra.add(p);
        return p;
    }

    /**
     * Starts an ffmpeg that plays live/{@code stream} over RTMP and throws the packets away (a viewer, as
     * nginx-rtmp counts one); stopped by {@link #stop} or close.
     */
    public Process startViewer(String stream) throws IOException {
        Process p = new ProcessBuilder(List.of(
                        FFMPEG.toString(),
                        "-nostdin",
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-i",
                        "rtmp://127.0.0.1:" + rtmpPort + "/live/" + stream,
                        "-c",
                        "copy",
                        "-f",
                        "null",
                        "-"))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs/viewer-" + stream + ".out").toFile())
                .start();
        extra.add(p);
        return p;
    }

    /** The rtmp_control location ({@code rtmp_control all}) on the HTTP port. */
    public String controlPath() {
        return "/control";
    }

    /** The rtmp_stat page ({@code rtmp_stat all}) on the HTTP port. */
    public String statPath() {
        return "/stat";
    }

    private Process publisher(String stream) throws IOException {
        return new ProcessBuilder(List.of(
                        FFMPEG.toString(),
                        "-nostdin",
                        "-hide_banner",
                        "-loglevel",
                        "error",
                        "-re",
                        "-f",
                        "lavfi",
                        "-i",
                        "testsrc=size=160x120:rate=10",
                        "-c:v",
                        "libx264",
                        "-preset",
                        "ultrafast",
                        "-tune",
                        "zerolatency",
                        "-g",
                        "10",
                        "-pix_fmt",
                        "yuv420p",
                        "-b:v",
                        "100k",
                        "-f",
                        "flv",
                        "rtmp://127.0.0.1:" + rtmpPort + "/live/" + stream))
                .redirectErrorStream(true)
                .redirectOutput(
                        dir.resolve(stream.equals("test") ? "logs/ffmpeg.out" : "logs/ffmpeg-" + stream + ".out")
                                .toFile())
                .start();
    }

    /** Stops the encoder only: nginx keeps answering, the playlist freezes. */
    public void stopFfmpeg() throws InterruptedException {
        stop(ffmpeg);
        ffmpeg = null;
    }

    public long nginxPid() {
        return nginx.pid();
    }

    /** Sends a signal to nginx by PID (STOP/CONT to simulate a hung server the kernel still accepts for). */
    public void signalNginx(String signal) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/kill", "-" + signal, Long.toString(nginx.pid())).start();
        if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
    }

    public String playlistPath() {
        return "/hls/test.m3u8";
    }

    /** Waits (bounded) until the playlist file exists with at least {@code segments} segments. */
    public void awaitPlaylist(int segments, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Path pl = dir.resolve("hls/test.m3u8");
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(pl)) {
                long n = Files.readAllLines(pl).stream()
                        .filter(l -> l.startsWith("#EXTINF"))
                        .count();
                if (n >= segments) return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("no HLS playlist with " + segments + " segments after " + timeoutMs
                + " ms; logs: " + log("ffmpeg.out") + " / " + log("error.log"));
    }

    public String log(String name) {
        try {
            return Files.readString(dir.resolve("logs").resolve(name));
        } catch (IOException e) {
            return "(no " + name + ")";
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : extra) stop(p);
        stop(ffmpeg);
        if (nginx != null && !nginx.isAlive()) {
            /* already gone */
        }
        if (nginx != null) {
            signalNginxQuietly("CONT");
            stop(nginx);
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void signalNginxQuietly(String sig) {
        try {
            if (nginx.isAlive()) signalNginx(sig);
        } catch (Exception ignored) {
            // best effort
        }
    }

    /** Stops one process this server started (by its handle: TERM, then KILL after 5 s). */
    public static void stop(Process p) throws InterruptedException {
        if (p == null || !p.isAlive()) return;
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitListening(int port, long timeoutMs) throws InterruptedException, IOException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("nothing listens on 127.0.0.1:" + port + " after " + timeoutMs + " ms");
    }
}
