package io.videolb.config.auth;

import java.util.Locale;

/** What a token may do: READ (GETs, plan, explain, status) or ADMIN (everything, including writes and import). */
public enum Role {
    READ,
    ADMIN;

    /** Parses a role name of the token file: {@code read}, {@code read-only}, {@code readonly} or {@code admin}. */
    static Role parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "read":
            case "read-only":
            case "readonly":
                return READ;
            case "admin":
                return ADMIN;
            default:
                throw new IllegalArgumentException("unknown role '" + text + "' (want read or admin)");
        }
    }

    public boolean mayWrite() {
        return this == ADMIN;
    }
}
