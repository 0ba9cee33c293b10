package io.videolb.agent.weights;

/**
 * The arithmetic of load-fed weights (issue 16, decision 100), pure and overflow-safe. A server's weight is its full
 * weight scaled by its spare capacity: {@code round(full * (capacity - load) / capacity)}, bounded to
 * {@link #MIN}..{@link #MAX}. Full weight = the configured (CSV) weight times the pool's {@link #factor}, so a pool of
 * weight-1 servers gets a resolution of 100 steps and the ratio between servers of different configured weights
 * stays. Never 0 (IPVS 0 means drain: only drains set 0); a load at or above capacity gives {@link #MIN}.
 */
public final class LoadWeightRule {
    /** Least weight of a server in rotation: 0 would drain it (Gorb issue 47: truncation to 0 dropped servers). */
    public static final int MIN = 1;
    /** Greatest weight written (ipvsadm's documented range; keepalived issue 2720: an unbounded sum overflowed). */
    public static final int MAX = 65_535;
    /** Steps of weight per unit of configured weight, at most (a pool of weight-1 servers: 1..100). */
    public static final int RESOLUTION = 100;

    private LoadWeightRule() {}

    /**
     * How much the configured weights of a pool are multiplied by: {@link #RESOLUTION}, less when the pool's biggest
     * configured weight would pass {@link #MAX}, never below 1.
     *
     * @param maxBase the biggest configured weight in the pool (at least 1)
     */
    public static int factor(long maxBase) {
        if (maxBase < 1) throw new IllegalArgumentException("maxBase must be >= 1, got " + maxBase);
        return (int) Math.max(1, Math.min(RESOLUTION, MAX / maxBase));
    }

    /** The weight at no load: {@code base * factor}, bounded to MIN..MAX. */
    public static int full(long base, int factor) {
        if (base < 1) throw new IllegalArgumentException("base weight must be >= 1, got " + base);
        if (factor < 1) throw new IllegalArgumentException("factor must be >= 1, got " + factor);
        // base <= 2^31-1 and factor <= 100: the product fits a long; saturate before the bound anyway
        long product = base > MAX ? MAX : base * factor;
        return (int) Math.max(MIN, Math.min(MAX, product));
    }

    /**
     * The weight for {@code load} of {@code capacity}: {@code round(full * spare / capacity)} in MIN..MAX.
     *
     * @param full     the weight at no load, MIN..MAX
     * @param load     viewers or bit/s now, >= 0
     * @param capacity the server's declared capacity in the same unit, >= 1
     */
    public static int target(int full, long load, long capacity) {
        if (full < MIN || full > MAX) throw new IllegalArgumentException("full weight must be 1..65535, got " + full);
        if (load < 0) throw new IllegalArgumentException("load must be >= 0, got " + load);
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        long spare = load >= capacity ? 0 : capacity - load; // no subtraction can overflow: both are >= 0
        double share = (double) spare / (double) capacity; // 0..1, finite: capacity >= 1
        long w = Math.round(full * share);
        return (int) Math.max(MIN, Math.min(MAX, w));
    }

    /**
     * Whether moving from {@code current} to {@code target} is worth a change: they differ by more than
     * {@code percent} % of {@code current} (hysteresis; a step to or from the bounds counts like any other).
     */
    public static boolean beyondHysteresis(int current, int target, int percent) {
        if (percent < 0 || percent > 100) throw new IllegalArgumentException("percent must be 0..100, got " + percent);
        if (current < 0 || target < 0) throw new IllegalArgumentException("weights must be >= 0");
        long diff = Math.abs((long) target - (long) current);
        return diff * 100 > (long) percent * current;
    }

    /** Sum of non-negative counts, saturating at Long.MAX_VALUE (never wraps to a negative load). */
    public static long saturatedAdd(long a, long b) {
        if (a < 0 || b < 0) throw new IllegalArgumentException("counts must be >= 0");
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }
}
