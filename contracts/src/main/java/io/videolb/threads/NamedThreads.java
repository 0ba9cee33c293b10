package io.videolb.threads;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one way videolb creates a thread (outside Vert.x's own event-loop and worker threads and the
 * Kafka clients' network threads): a daemon thread with a name that says what it does, so that a
 * thread dump and every log line ({@code [reconcile-1]}) name the work. An exception that escapes a
 * thread's task is reported on stderr with that name (the JVM default) rather than lost.
 *
 * <pre>{@code
 * Thread reader = NamedThreads.thread("state-reader-videolb.desired", this::run);        // not started
 * ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("reconcile"));
 * }</pre>
 *
 * Lives in contracts (JDK only) so that kafka-support, which sits below the service runtime, uses it too.
 */
public final class NamedThreads {
    private NamedThreads() {}

    /** An unstarted daemon thread named exactly {@code name}. */
    public static Thread thread(String name, Runnable task) {
        Thread t = new Thread(Objects.requireNonNull(task, "task"), checked(name));
        t.setDaemon(true);
        return t;
    }

    /** A factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ... (for executors). */
    public static ThreadFactory factory(String prefix) {
        String p = checked(prefix);
        AtomicInteger next = new AtomicInteger(1);
        return task -> thread(p + "-" + next.getAndIncrement(), task);
    }

    private static String checked(String name) {
        if (name == null || name.isBlank())
            throw new IllegalArgumentException("a thread needs a name that says what it does");
        return name;
    }
}
