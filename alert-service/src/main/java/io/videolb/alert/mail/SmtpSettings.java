package io.videolb.alert.mail;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where and how to submit mail. Read from config or the environment, never from the command
 * line (a password there is visible in {@code ps}).
 *
 * @param tls STARTTLS (required upgrade, usually port 587), IMPLICIT (TLS from the first byte,
 *            usually 465), or NONE (plain; accepted only for a loopback relay)
 */
public record SmtpSettings(String host, int port, Tls tls, String username, String password) {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    public enum Tls {
        STARTTLS,
        IMPLICIT,
        NONE
    }

    public SmtpSettings {
        if (host == null || !HOST.matcher(host).matches())
            throw new IllegalArgumentException("smtp host: not a host name or IPv4 address: " + safe(host));
        if (port < 1 || port > 65535) throw new IllegalArgumentException("smtp port: must be 1..65535, got " + port);
        Objects.requireNonNull(tls, "smtp tls");
        if (tls == Tls.NONE && !(host.equals("localhost") || host.startsWith("127."))) {
            throw new IllegalArgumentException(
                    "smtp tls: NONE (plain text) is allowed only for a relay on loopback, not " + host);
        }
        if ((username == null) != (password == null))
            throw new IllegalArgumentException("smtp username and password: give both or neither");
        if (username != null && (username.isEmpty() || username.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw new IllegalArgumentException("smtp username: empty or contains control characters");
        }
        if (password != null && password.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
            throw new IllegalArgumentException("smtp password: contains CR, LF or NUL");
        }
    }

    private static String safe(String s) {
        return s == null ? "null" : s.replaceAll("[^A-Za-z0-9.:-]", "?");
    }

    @Override
    public String toString() {
        return "smtp://" + host + ":" + port + " (" + tls + (username == null ? "" : ", user " + username) + ")";
    }
}
