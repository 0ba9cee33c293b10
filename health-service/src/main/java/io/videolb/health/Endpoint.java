package io.videolb.health;

import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * Where a probe really connects: a literal IPv4 address (never a name) and the two ports.
 * By default a server is probed at its own address with its pool's ports; an override maps it
 * elsewhere (tests on loopback map 198.51.100.x to 127.0.0.1 and free ports).
 */
public record Endpoint(Ipv4Address host, int rtmpPort, int httpPort) {
    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (rtmpPort < 1 || rtmpPort > 65535)
            throw new IllegalArgumentException("rtmpPort must be 1..65535, got " + rtmpPort);
        if (httpPort < 1 || httpPort > 65535)
            throw new IllegalArgumentException("httpPort must be 1..65535, got " + httpPort);
    }

    /** Parses {@code IP:RTMPPORT:HTTPPORT}, e.g. {@code 127.0.0.1:19350:18080}. */
    public static Endpoint parse(String text, String field) {
        String[] p = text == null ? new String[0] : text.split(":", -1);
        if (p.length != 3)
            throw new IllegalArgumentException(field + ": expected IP:RTMPPORT:HTTPPORT, got '" + text + "'");
        try {
            return new Endpoint(Ipv4Address.parse(p[0]), port(p[1]), port(p[2]));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static int port(String s) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("'" + s + "' is not a port");
        }
        return Integer.parseInt(s);
    }

    @Override
    public String toString() {
        return host + ":" + rtmpPort + ":" + httpPort;
    }
}
