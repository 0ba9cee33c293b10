package io.videolb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A firewall mark 1..4294967295, written in decimal (ipvsadm rejects 0 and hex). */
public record Fwmark(long value) implements Comparable<Fwmark> {
    public static final long MAX = 4294967295L;

    public Fwmark {
        if (value < 1 || value > MAX) throw new InvalidValueException("fwmark must be 1..4294967295, got " + value);
    }

    public static Fwmark parse(String text) {
        String s = FieldText.check(text);
        if (!s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidValueException("'" + s + "' is not a decimal fwmark (digits only, 1..4294967295)");
        }
        if (s.length() > 1 && s.charAt(0) == '0') {
            throw new InvalidValueException("'" + s + "' has a leading zero (write the fwmark in plain decimal)");
        }
        if (s.length() > 10) throw new InvalidValueException("'" + s + "' is above 4294967295");
        long v = Long.parseLong(s);
        if (v == 0) throw new InvalidValueException("fwmark 0 means 'no mark' and is refused by ipvsadm");
        if (v > MAX) throw new InvalidValueException("'" + s + "' is above 4294967295");
        return new Fwmark(v);
    }

    /** Hex form used in skbmark / MARK values ({@code 0x32}). */
    public String hex() {
        return "0x" + Long.toHexString(value);
    }

    @JsonValue
    public long json() {
        return value;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Fwmark ofJson(long value) {
        return new Fwmark(value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }

    @Override
    public int compareTo(Fwmark o) {
        return Long.compare(value, o.value);
    }
}
