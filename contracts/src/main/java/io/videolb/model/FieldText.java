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
                throw new InvalidValueException(
                        String.format("contains control character U+%04X at position %d", (int) c, i + 1));
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

    /**
     * Renders any text so it can be printed safely in an error or a log line: control characters
     * (CR, LF, NUL, TAB, DEL, C1, U+2028/9) become visible escapes such as {@code \r}, {@code \n},
     * {@code \0}, {@code \\u0007} (backslash-u), and the text is cut at {@code max} characters with "...".
     */
    public static String escape(String raw, int max) {
        if (raw == null) return "null";
        StringBuilder sb = new StringBuilder(Math.min(raw.length(), max) + 8);
        for (int i = 0; i < raw.length(); i++) {
            if (sb.length() >= max) {
                sb.append("...");
                break;
            }
            char c = raw.charAt(i);
            if (c == '\r') sb.append("\\r");
            else if (c == '\n') sb.append("\\n");
            else if (c == '\t') sb.append("\\t");
            else if (c == 0) sb.append("\\0");
            else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c == '\uFEFF')
                sb.append(String.format("\\u%04X", (int) c));
            else sb.append(c);
        }
        return sb.toString();
    }

    /** {@link #escape(String, int)} with a limit of 80 characters. */
    public static String escape(String raw) {
        return escape(raw, 80);
    }
}
