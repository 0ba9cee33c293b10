package io.videolb.agent.apply;

import io.videolb.threads.NamedThreads;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One long-lived {@code ipset -} (interactive mode) for the client fast path's set edits (issue 11, decision 127): no
 * process start per edit. Measured with ipset 7.17: interactive mode runs each line as soon as it reads it, writes one
 * stderr line for each line that fails and goes on (a line it cannot parse included); {@code ipset restore} instead
 * buffers its lines and ends at the first error, losing the lines before it, so it cannot serve several batches.
 * Each batch is written followed by a <em>sentinel</em>, {@code test vlb-batch-end-N 127.0.0.1} with N the batch's
 * number on 20 digits: a set name over 31 characters, which ipset refuses before it asks the kernel anything, with
 * {@code Syntax error: setname 'vlb-batch-end-N' is longer than 31 characters}. That answer names the batch, which no
 * edit line can produce; stderr is read up to it, and every line before it is a refusal of the batch. stdout is not
 * read (ipset buffers it on a pipe); only {@code add}/{@code del} lines the payload checker passed are ever written.
 *
 * <p>Anything unexpected (the process cannot start, ends, or the sentinel's answer does not come within the deadline)
 * throws a {@link KernelException}, kills the process and starts a new one for the next batch: the batch's effect is
 * then unknown, which the caller treats like any refused payload (the next run is a full one, which reads the kernel).
 * After {@value #MAX_FAILURES} such failures in a row the session gives up for the life of the agent and says so;
 * edits then run as {@code ipset restore} processes of their own.
 */
public final class IpsetEditSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IpsetEditSession.class);
    static final String SENTINEL_PREFIX = "vlb-batch-end-";
    static final int MAX_FAILURES = 3;
    private static final String EOF = "\u0000eof";

    private final List<String> argv;
    private Process process;
    private OutputStream stdin;
    private BlockingQueue<String> stderr;
    private long batches;
    private int failuresInARow;
    private boolean closed;

    /** {@code ipset -} with the given tool path. */
    public IpsetEditSession(String ipset) {
        this(List.of(ipset, "-"));
    }

    /** Any command speaking ipset's interactive protocol (tests: {@code ip netns exec NS ipset -}, a script). */
    IpsetEditSession(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    /** False once it gave up (or was closed): edits run as processes of their own. */
    public synchronized boolean usable() {
        return !closed && failuresInARow < MAX_FAILURES;
    }

    /** The sentinel line of batch {@code n} (its set name is 34 characters: ipset refuses it without the kernel). */
    static String sentinel(long n) {
        return "test " + sentinelName(n) + " 127.0.0.1";
    }

    static String sentinelName(long n) {
        return SENTINEL_PREFIX + String.format("%020d", n);
    }

    /**
     * Applies one checked payload (ipset add/del lines); returns when ipset has run every line, or throws with the
     * refused lines (the others were applied) or with why the session failed (the effect is unknown).
     */
    public synchronized void apply(String payload, Duration timeout) {
        if (!usable()) throw new KernelException("ipset session not usable", false);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (process == null || !process.isAlive()) start();
            String name = sentinelName(++batches);
            byte[] batch = (payload.endsWith("\n") ? payload : payload + "\n")
                    .concat(sentinel(batches) + "\n")
                    .getBytes(StandardCharsets.US_ASCII);
            stdin.write(batch); // at most MAX_ENTRIES lines: ipset reads while we write, so this never blocks long
            stdin.flush();
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : stderr.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("no answer within " + timeout.toMillis() + " ms");
                    throw new KernelException(
                            "timeout: ipset session gave no answer within " + timeout.toMillis() + " ms", true);
                }
                if (line.equals(EOF)) {
                    String why = "ipset session ended" + (refused.isEmpty() ? "" : ": " + String.join("; ", refused));
                    fail(why);
                    throw new KernelException(why, false);
                }
                if (line.contains("'" + name + "'")) {
                    failuresInARow = 0;
                    if (!refused.isEmpty())
                        throw new KernelException(
                                "ipset refused " + refused.size() + " line(s): " + String.join("; ", refused), false);
                    return;
                }
                refused.add(line.strip());
            }
            fail("too many lines on stderr");
            throw new KernelException("ipset session: too many lines on stderr", false);
        } catch (IOException e) {
            fail(e.toString());
            throw new KernelException("ipset session: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
            throw new KernelException("ipset session interrupted", false);
        }
    }

    private void start() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().put("LC_ALL", "C");
        pb.redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null")));
        process = pb.start();
        stdin = process.getOutputStream();
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        stderr = q;
        BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        NamedThreads.thread("ipset-session-stderr", () -> {
                    try (r) {
                        for (String l; (l = r.readLine()) != null; ) q.add(l.length() > 400 ? l.substring(0, 400) : l);
                    } catch (IOException e) {
                        // the process was killed: EOF below
                    }
                    q.add(EOF);
                })
                .start();
        LOG.info("ipset session started (pid {}): the client fast path's edits go to one ipset -", process.pid());
    }

    /** Kills the process; counts the failure; gives up after {@link #MAX_FAILURES} in a row. */
    private void fail(String why) {
        kill();
        failuresInARow++;
        if (failuresInARow >= MAX_FAILURES)
            LOG.warn(
                    "ipset session failed {} times in a row ({}): edits run as processes of their own from now on",
                    failuresInARow,
                    why);
        else LOG.warn("ipset session failed ({}): a new one starts at the next edit", why);
    }

    private void kill() {
        Process p = process;
        process = null;
        if (p == null) return;
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // gone already
        }
        p.destroyForcibly();
        try {
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        kill();
    }
}
