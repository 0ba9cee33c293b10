package io.videolb.model;

import java.util.Objects;

/** A real server of a pool with its IPVS weight (0..2^31-1; 0 takes no new connections). */
public record RealServer(Ipv4Address address, int weight) implements Comparable<RealServer> {
    public static final int DEFAULT_WEIGHT = 1;

    public RealServer {
        Objects.requireNonNull(address, "address");
        if (weight < 0) throw new InvalidValueException("weight must be 0..2147483647, got " + weight);
    }

    public static RealServer of(Ipv4Address address) {
        return new RealServer(address, DEFAULT_WEIGHT);
    }

    public static int parseWeight(String text) {
        String s = FieldText.check(text);
        if (!s.chars().allMatch(c -> c >= '0' && c <= '9')
                || s.length() > 10
                || (s.length() > 1 && s.charAt(0) == '0')) {
            throw new InvalidValueException("'" + s + "' is not a weight (decimal 0..2147483647)");
        }
        long v = Long.parseLong(s);
        if (v > Integer.MAX_VALUE) throw new InvalidValueException("weight '" + s + "' is above 2147483647");
        return (int) v;
    }

    @Override
    public int compareTo(RealServer o) {
        return address.compareTo(o.address);
    }
}
