package io.videolb.kafka;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.Consumer;
import org.slf4j.Logger;

/**
 * The stop of a consumer that polls on its own thread ({@link StateTopicReader}):
 * wake the poll, join the thread (bounded), and close the consumer on that thread when its loop ends.
 * Log lines go to the owner's logger, so they read as before.
 */
final class ConsumerThreads {
    /** How long the polling thread may take to close its consumer at the end of its loop. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private ConsumerThreads() {}

    /**
     * Stops once: false if {@code closed} was already set. Otherwise sets it, wakes {@code consumer}
     * out of its poll and, unless called on {@code thread} itself, waits at most {@code join} for the
     * thread to end (warns {@code "<what> thread <name> did not stop within N s"} if it did not).
     */
    static boolean stopOnce(
            AtomicBoolean closed, Consumer<?, ?> consumer, Thread thread, Duration join, Logger log, String what) {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        consumer.wakeup();
        if (Thread.currentThread() == thread) {
            return true;
        }
        try {
            thread.join(join.toMillis());
            if (thread.isAlive()) {
                log.warn("{} thread {} did not stop within {} s", what, thread.getName(), join.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    /** Closes {@code consumer} (bounded by {@link #CLOSE_TIMEOUT}); a failure is only logged at debug as {@code message}. */
    static void closeQuietly(Consumer<?, ?> consumer, Logger log, String message) {
        try {
            consumer.close(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.debug(message, e);
        }
    }
}
