package io.videolb.agent.loop;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events only mark the state dirty; one thread runs at most one reconcile at a time, no sooner
 * than {@code minInterval} after the previous one started, so a burst of events costs one run. A
 * periodic full resync runs even without events (safety net, drift repair; {@code onResync} runs on
 * the loop's thread just before, e.g. to have the IPVS setup checked again); while something changes
 * with time alone (a drain, a failback hold-down) runs repeat every {@code drainPoll}; after a failed
 * (or crashed) run, the next run waits {@code minInterval} x 2^n (n = failures in a row, max 30 s)
 * from the end of the failed one, whatever asks for it meanwhile; a successful run resets n. A PARTIAL run (the
 * kernel refused some units - a pool, the steering - and everything else was applied, {@link RunResult#partial()})
 * is retried after the same backoff, but does not hold back runs that events ask for meanwhile: one refused pool
 * must not delay another pool's failover.
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** What a run needs: empty while the topics are not yet read to the end. */
    public interface Work {
        Optional<RunResult> runIfReady();

        /**
         * The event-driven fast paths ({@link FastPath} for verdicts, {@link ClientFastPath} for a new generation that
         * only moves clients): the result of the edits it applied (or tried), empty when the change is for a full run.
         */
        default Optional<RunResult> fastIfReady() {
            return Optional.empty();
        }
    }

    /**
     * How long after a fast-path edit the full run follows (kernel read, drift check, reboot files): long enough for
     * a burst of verdicts (a rack failing) to go through the fast path first, since a full run holds the loop's thread.
     * An edit within it pushes the full run back, up to {@link #FOLLOW_UP_MAX} after the first edit.
     */
    static final Duration FOLLOW_UP = Duration.ofSeconds(1);

    /** A fast-path attempt is queued. */
    private final AtomicBoolean fastScheduled = new AtomicBoolean();

    /**
     * The longest a fast edit waits for its full run while more fast edits keep coming (each pushes the full run to
     * {@link #FOLLOW_UP} after it): a stream of client moves (decision 127) is not held up by a full run every
     * minimum interval, and its reboot files and drift check are at most this late.
     */
    static final Duration FOLLOW_UP_MAX = Duration.ofSeconds(5);

    /** The full run after fast edits is scheduled (loop thread only, as the two times below). */
    private boolean followUpScheduled;
    /** Scheduler time of the first fast edit the scheduled full run is for, and of the last one. */
    private long firstUncoveredNanos;

    private long lastFastEditNanos;

    private final Work work;
    private final Consumer<RunResult> after;
    private final BooleanSupplier needsPolling;
    private final Runnable onResync;
    private final Duration minInterval;
    private final Duration resync;
    private final Duration drainPoll;
    private final LoopScheduler scheduler;
    /** A run is queued (it will see every change made before it starts). */
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Scheduler time before which no run starts: minInterval after the last start, or the backoff after a failure. */
    private volatile long earliestRunNanos;

    private int failures; // loop thread only
    private volatile boolean closed;

    /**
     * @param needsPolling asked after each successful run: true while a drain or hold-down is pending
     * @param onResync     runs on the loop's thread at each periodic resync, before the resync's run
     */
    public ReconcileLoop(
            Work work,
            Consumer<RunResult> after,
            BooleanSupplier needsPolling,
            Runnable onResync,
            Duration minInterval,
            Duration resync,
            Duration drainPoll) {
        this(
                work,
                after,
                needsPolling,
                onResync,
                minInterval,
                resync,
                drainPoll,
                LoopScheduler.singleThread("reconcile"));
    }

    ReconcileLoop(
            Work work,
            Consumer<RunResult> after,
            BooleanSupplier needsPolling,
            Runnable onResync,
            Duration minInterval,
            Duration resync,
            Duration drainPoll,
            LoopScheduler scheduler) {
        this.work = work;
        this.after = after;
        this.needsPolling = needsPolling;
        this.onResync = onResync;
        this.minInterval = minInterval;
        this.resync = resync;
        this.drainPoll = drainPoll;
        this.scheduler = scheduler;
        this.earliestRunNanos = scheduler.nanoTime(); // the first run may start at once
    }

    /** Starts the periodic resync (every {@code resync}, the first one {@code resync} from now). */
    public void start() {
        scheduler.schedule(this::resync, resync.toNanos());
    }

    /** Asks for a run: at once, or when the minimum interval or a backoff allows; queued requests collapse into one run. */
    public void markDirty() {
        if (closed || !scheduled.compareAndSet(false, true)) return;
        scheduler.schedule(this::runOnce, Math.max(0, earliestRunNanos - scheduler.nanoTime()));
    }

    /**
     * A health verdict changed, or a new desired generation arrived: try the fast path at once (no minimum interval:
     * it is one edit, not a kernel read); what it does not take becomes a {@link #markDirty()}. While runs fail, the
     * backoff applies as for any run.
     */
    public void markUrgent() {
        if (closed || !fastScheduled.compareAndSet(false, true)) return;
        scheduler.schedule(this::fastOnce, 0);
    }

    private void fastOnce() {
        if (closed) return;
        fastScheduled.set(false); // a verdict from now on asks again
        if (failures > 0) { // the kernel refused the last run: no edit before its backoff
            markDirty();
            return;
        }
        Optional<RunResult> r;
        try {
            r = work.fastIfReady();
        } catch (RuntimeException e) {
            LOG.error("fast path crashed, a full run follows: {}", e.toString(), e);
            r = Optional.empty();
        }
        if (r.isEmpty()) {
            markDirty();
            return;
        }
        after.accept(r.get());
        if (r.get().ok()) {
            lastFastEditNanos = scheduler.nanoTime();
            if (!followUpScheduled) {
                followUpScheduled = true;
                firstUncoveredNanos = lastFastEditNanos;
                scheduler.schedule(this::followUp, FOLLOW_UP.toNanos());
            }
        } else markDirty(); // the state is unknown now: the full run reads the kernel
    }

    /**
     * The full run after fast edits: {@link #FOLLOW_UP} after the last of them, and no later than {@link #FOLLOW_UP_MAX}
     * after the first.
     */
    private void followUp() {
        if (closed) return;
        long due = Math.min(lastFastEditNanos + FOLLOW_UP.toNanos(), firstUncoveredNanos + FOLLOW_UP_MAX.toNanos());
        long wait = due - scheduler.nanoTime();
        if (wait > 0) {
            scheduler.schedule(this::followUp, wait);
            return;
        }
        followUpScheduled = false; // an edit from now on is not covered by this run's read: it asks again
        markDirty();
    }

    private void resync() {
        if (closed) return;
        try {
            onResync.run();
        } catch (RuntimeException e) {
            LOG.error("resync preparation failed: {}", e.toString(), e);
        }
        markDirty();
        scheduler.schedule(this::resync, resync.toNanos());
    }

    private void runOnce() {
        if (closed) return;
        long tooEarly = earliestRunNanos - scheduler.nanoTime();
        if (tooEarly > 0) { // queued before a failure pushed the next run back
            scheduler.schedule(this::runOnce, tooEarly);
            return;
        }
        scheduled.set(false); // an event from now on asks for another run
        earliestRunNanos = scheduler.nanoTime() + minInterval.toNanos();
        boolean ok;
        boolean partial = false;
        try {
            Optional<RunResult> r = work.runIfReady();
            if (r.isEmpty()) return; // not ready: the readers ask again once they are
            after.accept(r.get());
            ok = r.get().ok();
            partial = r.get().partial();
        } catch (RuntimeException e) {
            LOG.error("reconcile run crashed: {}", e.toString(), e);
            ok = false;
        }
        if (partial) {
            failures++;
            scheduler.schedule(this::markDirty, backoffNanos(failures)); // events meanwhile run at once
            if (needsPolling.getAsBoolean() && scheduled.compareAndSet(false, true))
                scheduler.schedule(this::runOnce, drainPoll.toNanos());
        } else if (!ok) {
            failures++;
            long backoff = backoffNanos(failures);
            earliestRunNanos = scheduler.nanoTime() + backoff;
            if (scheduled.compareAndSet(false, true)) scheduler.schedule(this::runOnce, backoff);
        } else {
            failures = 0;
            if (needsPolling.getAsBoolean() && scheduled.compareAndSet(false, true))
                scheduler.schedule(this::runOnce, drainPoll.toNanos());
        }
    }

    /** minInterval x 2^failures, at most {@link #MAX_BACKOFF}. */
    private long backoffNanos(int failuresInARow) {
        return Math.min(MAX_BACKOFF.toNanos(), minInterval.toNanos() << Math.min(failuresInARow, 10));
    }

    @Override
    public void close() {
        closed = true;
        scheduler.close();
    }
}
