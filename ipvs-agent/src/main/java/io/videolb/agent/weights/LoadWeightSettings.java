package io.videolb.agent.weights;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which pools take load-fed weights and how (issue 16, decision 100): per opted-in pool the basis (viewers or outbound
 * bandwidth) and each server's declared capacity; for all of them the hysteresis and the least time between two
 * changes of one server's weight. Read from the agent's settings ({@code VIDEOLB_AGENT_POOL_<MARK>_LOAD_WEIGHTS} and
 * friends); the operator's CSV files are untouched.
 *
 * @param pools             the opted-in pools by fwmark (absent: the pool keeps its configured weights)
 * @param hysteresisPercent a new weight is written only when it differs from the current one by more than this
 * @param minIntervalMs     least time between two changes of one server's weight in one pool
 */
public record LoadWeightSettings(Map<Fwmark, PoolLoad> pools, int hysteresisPercent, long minIntervalMs) {
    public static final int DEFAULT_HYSTERESIS_PERCENT = 10;
    public static final long DEFAULT_MIN_INTERVAL_MS = 30_000;
    /** Greatest declared capacity: 10^15 (viewers, or bit/s: 1 Pbit/s). */
    public static final long MAX_CAPACITY = 1_000_000_000_000_000L;

    public static final LoadWeightSettings OFF =
            new LoadWeightSettings(Map.of(), DEFAULT_HYSTERESIS_PERCENT, DEFAULT_MIN_INTERVAL_MS);

    /** What a server's load is measured in. */
    public enum Basis {
        /** viewers: the sum of {@code nclients} but the publisher over the server's streams */
        VIEWERS,
        /** outbound bandwidth in bit/s ({@code bw_out} of the server) */
        BANDWIDTH;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One opted-in pool.
     *
     * @param capacity       each server's capacity unless {@code serverCapacity} names it (1..{@link #MAX_CAPACITY})
     * @param serverCapacity per-server capacities overriding {@code capacity}
     */
    public record PoolLoad(Basis basis, long capacity, Map<Ipv4Address, Long> serverCapacity) {
        public PoolLoad {
            Objects.requireNonNull(basis, "basis");
            checkCapacity(capacity, "capacity");
            serverCapacity = Map.copyOf(serverCapacity == null ? Map.of() : serverCapacity);
            serverCapacity.forEach((a, c) -> checkCapacity(c, "capacity of " + a));
        }

        public long capacityOf(Ipv4Address server) {
            return serverCapacity.getOrDefault(server, capacity);
        }
    }

    public LoadWeightSettings {
        pools = Map.copyOf(pools == null ? Map.of() : pools);
        if (hysteresisPercent < 0 || hysteresisPercent > 100)
            throw new IllegalArgumentException("hysteresisPercent must be 0..100, got " + hysteresisPercent);
        if (minIntervalMs < 0) throw new IllegalArgumentException("minIntervalMs must be >= 0, got " + minIntervalMs);
    }

    public boolean on() {
        return !pools.isEmpty();
    }

    /** The pool's load settings, or null when it keeps its configured weights. */
    public PoolLoad pool(Fwmark mark) {
        return pools.get(mark);
    }

    /** Pools in mark order (for logs and docs). */
    public TreeMap<Fwmark, PoolLoad> sorted() {
        return new TreeMap<>(pools);
    }

    private static void checkCapacity(long c, String what) {
        if (c < 1 || c > MAX_CAPACITY)
            throw new IllegalArgumentException(what + " must be 1.." + MAX_CAPACITY + ", got " + c);
    }
}
