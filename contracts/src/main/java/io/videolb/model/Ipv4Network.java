package io.videolb.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * An IPv4 network {@code a.b.c.d/len} with len 1..32 and all host bits zero. A bare address is a
 * /32. {@code /0} is refused: iptables and ipset turn it into match-all.
 */
public record Ipv4Network(Ipv4Address address, int prefix) implements Comparable<Ipv4Network> {

    public Ipv4Network {
        if (address == null) throw new IllegalArgumentException("address is null");
        if (prefix < 1 || prefix > 32) throw new InvalidValueException("prefix length must be 1..32, got /" + prefix);
        if ((address.bits() & ~mask(prefix)) != 0) {
            throw new InvalidValueException("'" + address + "/" + prefix + "' has host bits set (did you mean "
                    + new Ipv4Address(address.bits() & mask(prefix)) + "/" + prefix + "?)");
        }
    }

    /** Parses {@code a.b.c.d} (a /32) or {@code a.b.c.d/len} strictly. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Ipv4Network parse(String text) {
        String s = FieldText.check(text);
        int slash = s.indexOf('/');
        if (slash < 0) {
            return new Ipv4Network(Ipv4Address.parse(s), 32);
        }
        return new Ipv4Network(Ipv4Address.parse(s.substring(0, slash)), parsePrefix(s, s.substring(slash + 1)));
    }

    /** Parses a network where a bare address means {@code defaultPrefix} (the original ip_domain assumed /24). */
    public static Ipv4Network parseWithDefaultPrefix(String text, int defaultPrefix) {
        String s = FieldText.check(text);
        return s.indexOf('/') < 0 ? new Ipv4Network(Ipv4Address.parse(s), defaultPrefix) : parse(s);
    }

    private static int parsePrefix(String whole, String p) {
        if (p.isEmpty()
                || p.length() > 2
                || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                || (p.length() > 1 && p.charAt(0) == '0')) {
            throw new InvalidValueException("'" + whole + "' has an invalid prefix length (want 1..32)");
        }
        int len = Integer.parseInt(p);
        if (len == 0) throw new InvalidValueException("'" + whole + "': /0 is refused (it would match every address)");
        if (len > 32) throw new InvalidValueException("'" + whole + "' has a prefix length above 32");
        return len;
    }

    public static Ipv4Network host(Ipv4Address a) {
        return new Ipv4Network(a, 32);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public boolean contains(Ipv4Address a) {
        return (a.bits() & mask(prefix)) == address.bits();
    }

    public boolean isHost() {
        return prefix == 32;
    }

    @JsonValue
    @Override
    public String toString() {
        return address + "/" + prefix;
    }

    @Override
    public int compareTo(Ipv4Network o) {
        int c = address.compareTo(o.address);
        return c != 0 ? c : Integer.compare(prefix, o.prefix);
    }
}
