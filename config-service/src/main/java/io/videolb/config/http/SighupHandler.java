package io.videolb.config.http;

import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP re-reads the admin API's token file ({@code kill -HUP PID}, {@code systemctl reload}). One action per
 * process (the newest admin server's); closing it puts the previous one back. Where the JVM does not let us
 * handle the signal, the file is still re-read when it changes.
 */
final class SighupHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SighupHandler.class);
    private static final AtomicReference<Runnable> ACTION = new AtomicReference<>();
    private static volatile boolean installed;

    private SighupHandler() {}

    /** Makes {@code action} the SIGHUP action; the returned runnable removes it again. */
    static Runnable install(Runnable action) {
        Runnable before = ACTION.getAndSet(action);
        synchronized (SighupHandler.class) {
            if (!installed) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                        Runnable a = ACTION.get();
                        if (a != null) {
                            LOG.info("SIGHUP: re-reading the admin API token file");
                            a.run();
                        }
                    });
                    installed = true;
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
