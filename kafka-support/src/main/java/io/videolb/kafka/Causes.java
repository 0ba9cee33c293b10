package io.videolb.kafka;

/** Walks an exception's cause chain: the one place the Kafka-facing code asks "was this, deep down, an X?". */
public final class Causes {
    /** Deeper chains are not walked (and a cycle ends here). */
    static final int MAX_DEPTH = 16;

    private Causes() {}

    /** True if {@code e} or one of its first {@value #MAX_DEPTH} causes is an instance of one of {@code types}. */
    @SafeVarargs
    public static boolean any(Throwable e, Class<? extends Throwable>... types) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) return true;
            }
        }
        return false;
    }
}
