package io.videolb.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits for tests: a condition polled until it holds or the bound has passed (then an AssertionError). */
public final class Await {
    /** The bound the ITs wait for a service to act: generous for a loaded 2-core CI host, never endless. */
    public static final Duration WAIT = Duration.ofSeconds(60);

    private Await() {}

    /** Polls {@code condition} every 50 ms until it holds; fails after {@link #WAIT}. */
    public static void until(String what, BooleanSupplier condition) throws InterruptedException {
        until(what, WAIT, Duration.ofMillis(50), condition);
    }

    /** Polls {@code condition} every {@code poll} until it holds; fails naming {@code what} after {@code within}. */
    public static void until(String what, Duration within, Duration poll, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("timed out waiting for " + what + " (" + within + ")");
            Thread.sleep(poll.toMillis());
        }
    }
}
