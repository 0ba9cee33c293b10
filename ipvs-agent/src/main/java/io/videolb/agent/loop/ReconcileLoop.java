package io.videolb.agent.loop;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events only mark the state dirty; one thread runs at most one reconcile at a time, no sooner
 * than {@code minInterval} after the previous one, so a burst of events costs one run. A periodic
 * full resync runs even without events (safety net, drift repair); while servers drain, runs repeat
 * every {@code drainPoll}; after a failed run, the next is retried after {@code minInterval} x 2^n (max 30 s).
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);

    /** What a run needs: empty while the topics are not yet read to the end. */
    public interface Work {
        Optional<RunResult> runIfReady();
    }

    private final Work work;
    private final Consumer<RunResult> after;
    private final Supplier<Boolean> draining;
    private final Duration minInterval;
    private final Duration resync;
    private final Duration drainPoll;
    private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("reconcile"));
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile long lastRunNanos = System.nanoTime() - Duration.ofHours(1).toNanos();
    private int failures;
    private volatile boolean closed;

    public ReconcileLoop(Work work, Consumer<RunResult> after, Supplier<Boolean> draining, Duration minInterval, Duration resync, Duration drainPoll) {
        this.work = work;
        this.after = after;
        this.draining = draining;
        this.minInterval = minInterval;
        this.resync = resync;
        this.drainPoll = drainPoll;
    }

    public void start() {
        exec.scheduleWithFixedDelay(this::markDirty, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
    }

    public void markDirty() {
        if (closed || !scheduled.compareAndSet(false, true)) return;
        long wait = Math.max(0, minInterval.toNanos() - (System.nanoTime() - lastRunNanos));
        schedule(wait);
    }

    private void schedule(long nanos) {
        try {
            exec.schedule(this::runOnce, nanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed
        }
    }

    private void runOnce() {
        scheduled.set(false);
        if (closed) return;
        lastRunNanos = System.nanoTime();
        try {
            Optional<RunResult> r = work.runIfReady();
            if (r.isEmpty()) return;
            after.accept(r.get());
            if (!r.get().ok()) {
                failures++;
                long backoff = Math.min(Duration.ofSeconds(30).toNanos(), minInterval.toNanos() << Math.min(failures, 10));
                if (scheduled.compareAndSet(false, true)) schedule(backoff);
            } else {
                failures = 0;
                if (draining.get() && scheduled.compareAndSet(false, true)) schedule(drainPoll.toNanos());
            }
        } catch (RuntimeException e) {
            LOG.error("reconcile run crashed: {}", e.toString(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        exec.shutdownNow();
        try {
            exec.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
