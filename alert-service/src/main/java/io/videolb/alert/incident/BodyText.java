package io.videolb.alert.incident;

/**
 * Makes free event text (reasons, error messages, ids) safe for one line of a mail body: every
 * control character (CR, LF, NUL, TAB, DEL, C1, U+2028/9) is shown as an escape such as
 * {@code \r} or {@code \x00}, and the text is cut at a bounded length. Event text never goes into
 * a header at all; this only keeps the body's line structure ours.
 */
public final class BodyText {
    public static final int MAX = 300;

    private BodyText() {}

    public static String line(String raw) {
        if (raw == null) return "";
        StringBuilder b = new StringBuilder(Math.min(raw.length(), MAX) + 8);
        for (int i = 0; i < raw.length() && b.length() < MAX; i++) {
            char c = raw.charAt(i);
            if (c == '\r') b.append("\\r");
            else if (c == '\n') b.append("\\n");
            else if (c == '\t') b.append("\\t");
            else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029')
                b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        if (raw.length() > 0 && b.length() >= MAX) b.append("...");
        return b.toString();
    }
}
