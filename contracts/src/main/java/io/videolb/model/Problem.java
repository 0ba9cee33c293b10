package io.videolb.model;

import java.util.Objects;

/**
 * One validation error, located: the file (or "request"), the 1-based line (0 when the error
 * is about the file as a whole), the field, and a message for an operator.
 * Printed as {@code file.csv:LINE: field: message}.
 */
public record Problem(String source, int line, String field, String message) implements Comparable<Problem> {
    public Problem {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    public static Problem at(Origin origin, String field, String message) {
        return new Problem(origin.source(), origin.line(), field, message);
    }

    @Override
    public String toString() {
        // defence in depth: whatever a message quotes, the printed line never carries a raw control character
        return FieldText.escape(source, 200) + ":" + line + ": " + FieldText.escape(field, 100) + ": "
                + FieldText.escape(message, 2000);
    }

    @Override
    public int compareTo(Problem o) {
        int c = source.compareTo(o.source);
        if (c != 0) return c;
        c = Integer.compare(line, o.line);
        if (c != 0) return c;
        c = field.compareTo(o.field);
        return c != 0 ? c : message.compareTo(o.message);
    }
}
