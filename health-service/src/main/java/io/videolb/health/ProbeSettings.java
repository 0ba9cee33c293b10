package io.videolb.health;

import io.videolb.events.ProbeLevel;
import io.videolb.health.probe.RtmpConnect;
import java.time.Duration;
import java.util.Objects;

/**
 * How one pool's servers are probed. Levels are cumulative in what a viewer needs:
 * <ul>
 *   <li>{@code TCP}: TCP connect to the RTMP port and the HTTP port;</li>
 *   <li>{@code RTMP}: RTMP handshake on the RTMP port, TCP connect to the HTTP port;</li>
 *   <li>{@code HLS}: RTMP handshake and a fresh HLS playlist at {@code hlsPath} on the HTTP port.</li>
 * </ul>
 * With {@code rtmpApp} set (opt-in, e.g. {@code live}), the RTMP and HLS levels also send an AMF0
 * {@code connect} to that application after the handshake and need {@code _result}.
 * Validated here: {@code hlsPath} goes into an HTTP request line, {@code rtmpApp} into the
 * connect command ({@code [A-Za-z0-9._-]}, at most 64).
 * With {@code rtmpPlayStream} set too (opt-in canary, issue 16), the connect is followed by {@code createStream}
 * and {@code play} of that stream, and the step is up only when an audio or video message of it arrives within
 * the timeout (same name rule as the application).
 */
public record ProbeSettings(
        ProbeLevel level,
        int rtmpPort,
        int httpPort,
        Duration interval,
        Duration timeout,
        int rise,
        int fall,
        Duration minDwell,
        String hlsPath,
        String rtmpApp,
        String rtmpPlayStream) {

    public static final ProbeSettings DEFAULT = new ProbeSettings(
            ProbeLevel.RTMP,
            1935,
            8080,
            Duration.ofSeconds(2),
            Duration.ofMillis(1500),
            3,
            3,
            Duration.ofSeconds(10),
            "/hls/live.m3u8",
            null,
            null);

    public ProbeSettings {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(minDwell, "minDwell");
        port("rtmpPort", rtmpPort);
        port("httpPort", httpPort);
        if (interval.toMillis() < 10)
            throw new IllegalArgumentException("interval must be at least 10 ms, got " + interval.toMillis());
        if (timeout.toMillis() < 1 || timeout.compareTo(interval) > 0) {
            throw new IllegalArgumentException(
                    "timeout must be 1 ms..interval (" + interval.toMillis() + " ms), got " + timeout.toMillis());
        }
        if (rise < 1 || rise > 100) throw new IllegalArgumentException("rise must be 1..100, got " + rise);
        if (fall < 1 || fall > 100) throw new IllegalArgumentException("fall must be 1..100, got " + fall);
        if (minDwell.isNegative()) throw new IllegalArgumentException("minDwell must not be negative");
        hlsPath = checkPath(hlsPath);
        rtmpApp = RtmpConnect.checkApp(rtmpApp == null || rtmpApp.isEmpty() ? null : rtmpApp, "rtmpApp");
        rtmpPlayStream = RtmpConnect.checkApp(
                rtmpPlayStream == null || rtmpPlayStream.isEmpty() ? null : rtmpPlayStream, "rtmpPlayStream");
        if (rtmpPlayStream != null && rtmpApp == null)
            throw new IllegalArgumentException(
                    "rtmpPlayStream '" + rtmpPlayStream + "' needs rtmpApp (the application it is played from)");
    }

    static String checkPath(String p) {
        if (p == null || p.isEmpty() || p.charAt(0) != '/' || p.length() > 1024) {
            throw new IllegalArgumentException(
                    "hlsPath must start with '/' and be at most 1024 characters: '" + p + "'");
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            // RFC 3986 path characters only: no space, control, CR/LF, '#', non-ASCII
            if (c <= 0x20 || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^'
                    || c == '`' || c == '{' || c == '|' || c == '}') {
                throw new IllegalArgumentException("hlsPath has a character not allowed in a URL path at index " + i);
            }
        }
        return p;
    }

    private static void port(String name, int p) {
        if (p < 1 || p > 65535) throw new IllegalArgumentException(name + " must be 1..65535, got " + p);
    }

    public ProbeSettings withLevel(ProbeLevel l) {
        return new ProbeSettings(
                l, rtmpPort, httpPort, interval, timeout, rise, fall, minDwell, hlsPath, rtmpApp, rtmpPlayStream);
    }

    public ProbeSettings withTiming(Duration interval, Duration timeout, int rise, int fall, Duration minDwell) {
        return new ProbeSettings(
                level, rtmpPort, httpPort, interval, timeout, rise, fall, minDwell, hlsPath, rtmpApp, rtmpPlayStream);
    }

    public ProbeSettings withPorts(int rtmp, int http) {
        return new ProbeSettings(
                level, rtmp, http, interval, timeout, rise, fall, minDwell, hlsPath, rtmpApp, rtmpPlayStream);
    }

    public ProbeSettings withHlsPath(String path) {
        return new ProbeSettings(
                level, rtmpPort, httpPort, interval, timeout, rise, fall, minDwell, path, rtmpApp, rtmpPlayStream);
    }

    /** Opt-in AMF0 connect check to application {@code app} after the handshake; null switches it off. */
    public ProbeSettings withRtmpApp(String app) {
        return new ProbeSettings(
                level,
                rtmpPort,
                httpPort,
                interval,
                timeout,
                rise,
                fall,
                minDwell,
                hlsPath,
                app,
                app == null ? null : rtmpPlayStream);
    }

    /** Opt-in canary: {@code createStream} + {@code play} of {@code stream} after the connect; null switches it off. */
    public ProbeSettings withRtmpPlayStream(String stream) {
        return new ProbeSettings(
                level, rtmpPort, httpPort, interval, timeout, rise, fall, minDwell, hlsPath, rtmpApp, stream);
    }
}
