package io.videolb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An IPv4 address parsed strictly: four decimal octets 0..255, no leading zeros, no signs, no
 * spaces, never a name lookup. {@code 010.1.1.1} is rejected because iptables reads it as octal
 * (8.1.1.1) while Java reads it as 10.1.1.1.
 */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Ipv4Address parse(String text) {
        String s = FieldText.check(text);
        int value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (i <= n) {
            int start = i;
            while (i < n && s.charAt(i) != '.') {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    throw new InvalidValueException(
                            "'" + s + "' is not a dotted-decimal IPv4 address (unexpected '" + c + "')");
                }
                i++;
            }
            int len = i - start;
            if (len == 0) {
                throw new InvalidValueException("'" + s + "' is not a dotted-decimal IPv4 address (empty octet)");
            }
            if (len > 1 && s.charAt(start) == '0') {
                throw new InvalidValueException(
                        "'" + s + "' has an octet with a leading zero (iptables would read it as octal)");
            }
            if (len > 3) {
                throw new InvalidValueException("'" + s + "' has an octet above 255");
            }
            int octet = Integer.parseInt(s, start, i, 10);
            if (octet > 255) {
                throw new InvalidValueException("'" + s + "' has an octet above 255");
            }
            octets++;
            if (octets > 4) {
                throw new InvalidValueException("'" + s + "' has more than 4 octets");
            }
            value = (value << 8) | octet;
            i++; // skip '.' (or step past the end)
        }
        if (octets != 4 || s.endsWith(".")) {
            throw new InvalidValueException("'" + s + "' does not have exactly 4 octets");
        }
        return new Ipv4Address(value);
    }

    public static Ipv4Address of(int a, int b, int c, int d) {
        for (int o : new int[] {a, b, c, d}) {
            if (o < 0 || o > 255) throw new IllegalArgumentException("octet out of range: " + o);
        }
        return new Ipv4Address(a << 24 | b << 16 | c << 8 | d);
    }

    public long unsigned() {
        return Integer.toUnsignedLong(bits);
    }

    @JsonValue
    @Override
    public String toString() {
        return ((bits >>> 24) & 255) + "." + ((bits >>> 16) & 255) + "." + ((bits >>> 8) & 255) + "." + (bits & 255);
    }

    @Override
    public int compareTo(Ipv4Address o) {
        return Integer.compareUnsigned(bits, o.bits);
    }
}
