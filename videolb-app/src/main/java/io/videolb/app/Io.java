package io.videolb.app;

import java.io.PrintStream;

/** The streams the subcommands print to: stdout/stderr, or a test's (see {@link Main#run(PrintStream, PrintStream, String...)}). */
final class Io {
    static volatile PrintStream out = System.out;
    static volatile PrintStream err = System.err;

    private Io() {}
}
