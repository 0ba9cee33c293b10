package io.videolb.agent.loop;

/**
 * Where the reconcile loop's tasks run, and its clock: one thread, each task after a delay. In production
 * {@link #singleThread(String)} (a daemon thread, {@link System#nanoTime()}); tests pass a scheduler with a
 * manual clock, so that minimum interval, backoff, drain polling and resync are checked without waiting.
 */
public interface LoopScheduler extends AutoCloseable {
    /** Monotonic time in nanoseconds; only differences count. */
    long nanoTime();

    /** Runs {@code task} on the loop's thread {@code delayNanos} from now; silently dropped once closed. */
    void schedule(Runnable task, long delayNanos);

    /** Drops the queued tasks and waits (bounded) for a running one to end. */
    @Override
    void close();

    static LoopScheduler singleThread(String threadName) {
        return new ExecutorLoopScheduler(threadName);
    }
}
