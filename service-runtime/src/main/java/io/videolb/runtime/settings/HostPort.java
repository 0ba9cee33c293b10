package io.videolb.runtime.settings;

import java.util.regex.Pattern;

/** {@code HOST:PORT}: a host name or IPv4 address (no blanks, no brackets) and a port. */
public record HostPort(String host, int port) {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    public HostPort {
        if (host == null || !HOST.matcher(host).matches()) throw new IllegalArgumentException("host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port");
    }

    /** Parses {@code HOST:PORT} with a port in {@code minPort..65535}. */
    public static HostPort parse(String text, int minPort) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || !text.substring(colon + 1).matches("[0-9]{1,5}")) throw new IllegalArgumentException();
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port < minPort || port > 65535) throw new IllegalArgumentException();
        return new HostPort(text.substring(0, colon), port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
