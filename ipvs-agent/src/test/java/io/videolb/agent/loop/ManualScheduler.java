package io.videolb.agent.loop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link LoopScheduler} whose clock moves only in {@link #advance}: the tasks due meanwhile run on the
 * calling thread, in due order (ties in scheduling order), each with the clock set to its due time. A task
 * may schedule more tasks; those due within the same advance run too.
 */
final class ManualScheduler implements LoopScheduler {
    private record Task(long dueNanos, long order, Runnable body) {}

    private final PriorityQueue<Task> queue =
            new PriorityQueue<>(Comparator.comparingLong(Task::dueNanos).thenComparingLong(Task::order));
    private long now = Duration.ofDays(1).toNanos(); // any origin: the loop must only use differences
    private long order;
    private boolean closed;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
        if (delayNanos < 0) throw new IllegalArgumentException("negative delay " + delayNanos);
        if (!closed) queue.add(new Task(now + delayNanos, order++, task));
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
    }

    /** Moves the clock by {@code d}, running every task that falls due. */
    void advance(Duration d) {
        long end = now + d.toNanos();
        while (!queue.isEmpty() && queue.peek().dueNanos() <= end) {
            Task t = queue.poll();
            now = t.dueNanos();
            t.body().run();
        }
        now = end;
    }

    /** Runs what is due now (tasks scheduled with delay 0), without moving the clock. */
    void runDue() {
        advance(Duration.ZERO);
    }

    /** How far from now each queued task is due, soonest first. */
    List<Duration> queued() {
        List<Duration> out = new ArrayList<>();
        queue.stream().sorted(queue.comparator()).forEach(t -> out.add(Duration.ofNanos(t.dueNanos() - now)));
        return out;
    }

    boolean closed() {
        return closed;
    }
}
