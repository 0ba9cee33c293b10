package io.videolb.app;

import io.videolb.runtime.ExitCode;
import io.videolb.threads.NamedThreads;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one service in the foreground until SIGTERM/SIGINT: start ({@link ExitCode#FAILED} if it fails,
 * {@link ExitCode#USAGE} for a bad setting, with the reason on stderr), one line {@code videolb NAME running (...)}
 * on stdout, then a clean close and {@link ExitCode#OK}.
 */
final class ServiceRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRunner.class);

    interface Started extends AutoCloseable {
        String summary();
    }

    /** A started {@code service}, closed on stop, with its ready-line {@code summary}. */
    record Running(String summary, AutoCloseable service) implements Started {
        @Override
        public void close() throws Exception {
            service.close();
        }
    }

    private ServiceRunner() {}

    static ExitCode run(String name, Callable<Started> start) {
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<String> reason = new AtomicReference<>();
        SignalHandling.install(sig -> {
            reason.compareAndSet(null, "SIG" + sig);
            stop.countDown();
        });
        Started s;
        try {
            s = start.call();
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb " + name + ": " + e.getMessage());
            return ExitCode.USAGE;
        } catch (Exception e) {
            LOG.error("{} start failed", name, e);
            Io.err.println("videolb " + name + ": start failed: " + e.getMessage());
            return ExitCode.FAILED;
        }
        Thread hook = NamedThreads.thread("videolb-" + name + "-shutdown", () -> closeQuietly(name, s));
        Runtime.getRuntime().addShutdownHook(hook);
        Io.out.println("videolb " + name + " running (" + s.summary() + ")");
        Io.out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("{} received: stopping {}", reason.get(), name);
        closeQuietly(name, s);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already
        }
        return ExitCode.OK;
    }

    private static void closeQuietly(String name, AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("stopping {}: {}", name, e.toString());
        }
    }
}
