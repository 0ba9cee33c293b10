package io.videolb.agent.loop;

import io.videolb.threads.NamedThreads;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The production {@link LoopScheduler}: one daemon thread of a {@link ScheduledExecutorService}. */
final class ExecutorLoopScheduler implements LoopScheduler {
    private final ScheduledExecutorService exec;

    ExecutorLoopScheduler(String threadName) {
        this.exec = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory(threadName));
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
        try {
            exec.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    @Override
    public void close() {
        exec.shutdownNow();
        try {
            exec.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
