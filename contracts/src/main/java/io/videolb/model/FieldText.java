package io.videolb.model;

/**
 * The first gate every operator-supplied text passes, before any typed parser: no control
 * characters (CR, LF, NUL, TAB, DEL, C1), no leading '-' (option injection into ipset, iptables,
 * ipvsadm), no surrounding blanks, bounded length.
 */
public final class FieldText {
    public static final int MAX_LENGTH = 512;

    private FieldText() {}

    /** Returns {@code raw} when it is safe text, else throws with a message fit for an operator. */
    public static String check(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new InvalidValueException("is empty");
        }
        if (raw.length() > MAX_LENGTH) {
            throw new InvalidValueException("is longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\r') throw new InvalidValueException("contains a carriage return (CR) at position " + (i + 1));
            if (c == '\n') throw new InvalidValueException("contains a line feed (LF) at position " + (i + 1));
            if (c == 0) throw new InvalidValueException("contains a NUL character at position " + (i + 1));
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                throw new InvalidValueException(String.format("contains control character U+%04X at position %d", (int) c, i + 1));
            }
        }
        if (raw.charAt(0) == '-') {
            throw new InvalidValueException("starts with '-' (would be read as a command option)");
        }
        if (Character.isWhitespace(raw.charAt(0)) || Character.isWhitespace(raw.charAt(raw.length() - 1))) {
            throw new InvalidValueException("has leading or trailing blanks");
        }
        return raw;
    }
}
