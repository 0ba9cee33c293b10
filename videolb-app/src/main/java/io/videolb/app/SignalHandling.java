package io.videolb.app;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Replaces the JVM's SIGTERM/SIGINT handling with a callback (jdk.unsupported's sun.misc.Signal). */
final class SignalHandling {
    private static final Logger LOG = LoggerFactory.getLogger(SignalHandling.class);

    private SignalHandling() {}

    /** Installs {@code onSignal} for TERM and INT; false if the platform refused. */
    @SuppressWarnings("restriction")
    static boolean install(Consumer<String> onSignal) {
        boolean ok = true;
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> onSignal.accept(s.getName()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debug("cannot handle SIG{}: {}", name, e.toString());
                ok = false;
            }
        }
        return ok;
    }
}
