package io.videolb.config.http;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP re-reads the admin API's token file ({@code kill -HUP PID}, {@code systemctl reload}). One action per
 * process (the newest admin server's); closing it puts the previous one back. Where the JVM does not let us
 * handle the signal, the file is still re-read when it changes. A process that inherited SIGHUP as ignored
 * ({@code nohup}) cannot handle it at all: the JVM leaves an ignored signal ignored and {@code Signal.handle} only
 * answers that it was; that is logged as a warning at start and told by {@link #ignored()}.
 */
final class SighupHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SighupHandler.class);
    private static final AtomicReference<Runnable> ACTION = new AtomicReference<>();
    private static volatile boolean installed;
    private static volatile boolean ignored;

    private SighupHandler() {}

    /** Whether this process ignores SIGHUP (inherited), so that no handler of it can ever run. */
    static boolean ignored() {
        return ignored;
    }

    /** Makes {@code action} the SIGHUP action; the returned runnable removes it again. */
    static Runnable install(Runnable action) {
        Runnable before = ACTION.getAndSet(action);
        synchronized (SighupHandler.class) {
            if (!installed) {
                try {
                    sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                        Runnable a = ACTION.get();
                        if (a != null) {
                            LOG.info("SIGHUP: re-reading the admin API token file");
                            a.run();
                        }
                    });
                    installed = true;
                    ignored = previous == sun.misc.SignalHandler.SIG_IGN;
                    if (ignored)
                        LOG.warn("SIGHUP is ignored by this process (started under nohup, or by a parent that ignores"
                                + " it): kill -HUP cannot re-read the admin API token file; a change of the file is"
                                + " still seen within about a second");
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    LOG.warn(
                            "SIGHUP cannot be handled here ({}); the token file is re-read when it changes",
                            e.toString());
                }
            }
        }
        return () -> ACTION.compareAndSet(action, before);
    }
}
