package io.videolb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.regex.Pattern;

/**
 * A mail address, strictly: {@code local@domain} with an ASCII dot-atom local part and a
 * dotted domain of LDH labels. No display names, comments, quotes, spaces or control
 * characters, so it can never smuggle a header line.
 */
public record MailAddress(String value) implements Comparable<MailAddress> {
    private static final Pattern LOCAL =
            Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    public MailAddress {
        check(value);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static MailAddress parse(String text) {
        return new MailAddress(text);
    }

    private static void check(String raw) {
        String s = FieldText.check(raw);
        if (s.length() > 254) throw new InvalidValueException("mail address is longer than 254 characters");
        int at = s.lastIndexOf('@');
        if (at <= 0 || at != s.indexOf('@') || at == s.length() - 1) {
            throw new InvalidValueException("'" + s + "' is not a mail address of the form local@domain");
        }
        String local = s.substring(0, at);
        String domain = s.substring(at + 1);
        if (local.length() > 64 || !LOCAL.matcher(local).matches()) {
            throw new InvalidValueException(
                    "'" + s + "' has an invalid local part (letters, digits and !#$%&'*+/=?^_`{|}~.- only)");
        }
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2)
            throw new InvalidValueException("'" + s + "' needs a fully qualified domain (like example.com)");
        for (String l : labels) {
            if (!LABEL.matcher(l).matches()) {
                throw new InvalidValueException("'" + s + "' has an invalid domain label '" + l + "'");
            }
        }
    }

    @JsonValue
    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(MailAddress o) {
        return value.compareTo(o.value);
    }
}
