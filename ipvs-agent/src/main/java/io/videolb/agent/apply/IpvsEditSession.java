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
 * One long-lived {@code ipvsadm -R} for the fast path's edits (issue 11): no process start per edit. ipvsadm's
 * restore applies each line as soon as it reads it and writes one line to stderr for each line the kernel refuses,
 * then goes on; a line it cannot parse ends it. So each batch is written followed by a <em>sentinel</em>,
 * {@value #SENTINEL} (zero the counters of fwmark service {@value #SENTINEL_MARK}, which never exists: the kernel
 * answers {@value #SENTINEL_ANSWER}, which no real-server edit can produce), and stderr is read up to the sentinel's
 * answer: every line before it is a refusal of the batch. Under qemu's emulated CPU a process start costs 0.3-0.5 s
 * of a failover; on real hardware a few milliseconds and three threads per edit.
 *
 * <p>Anything unexpected (the process cannot start, ends, or the sentinel's answer does not come within the deadline)
 * throws a {@link KernelException}, kills the process and starts a new one for the next batch: the batch's effect is
 * then unknown, which the caller treats like any refused payload (the next run is a full one, which reads the kernel
 * and runs its payloads as processes of their own). After {@value #MAX_FAILURES} such failures in a row the session
 * gives up for the life of the agent and says so; edits then run as processes again.
 */
public final class IpvsEditSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsEditSession.class);
    static final String SENTINEL_MARK = "4294967295";
    static final String SENTINEL = "-Z -f " + SENTINEL_MARK;
    static final String SENTINEL_ANSWER = "No such service";
    static final int MAX_FAILURES = 3;
    private static final String EOF = "\u0000eof";

    private final List<String> argv;
    private Process process;
    private OutputStream stdin;
    private BlockingQueue<String> stderr;
    private int failuresInARow;
    private boolean closed;

    /** {@code ipvsadm -R} with the given tool path. */
    public IpvsEditSession(String ipvsadm) {
        this(List.of(ipvsadm, "-R"));
    }

    /** Any command speaking ipvsadm's restore protocol (tests: a script). */
    IpvsEditSession(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    /** False once it gave up (or was closed): edits run as processes of their own. */
    public synchronized boolean usable() {
        return !closed && failuresInARow < MAX_FAILURES;
    }

    /**
     * Applies one checked payload (ipvsadm restore lines); returns when the kernel has taken every line, or throws
     * with the refused lines (the others were applied) or with why the session failed (the effect is unknown).
     */
    public synchronized void apply(String payload, Duration timeout) {
        if (!usable()) throw new KernelException("ipvsadm session not usable", false);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (process == null || !process.isAlive()) start();
            byte[] batch = (payload.endsWith("\n") ? payload : payload + "\n")
                    .concat(SENTINEL + "\n")
                    .getBytes(StandardCharsets.US_ASCII);
            stdin.write(batch); // a batch is a few lines: far below the pipe's buffer, so this never blocks long
            stdin.flush();
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : stderr.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    fail("no answer within " + timeout.toMillis() + " ms");
                    throw new KernelException(
                            "timeout: ipvsadm session gave no answer within " + timeout.toMillis() + " ms", true);
                }
                if (line.equals(EOF)) {
                    String why = "ipvsadm session ended" + (refused.isEmpty() ? "" : ": " + String.join("; ", refused));
                    fail(why);
                    throw new KernelException(why, false);
                }
                if (line.equals(SENTINEL_ANSWER)) {
                    failuresInARow = 0;
                    // ipvsadm's version-mismatch warning at its start is not a refusal (the process path filters it
                    // the same way)
                    List<String> real = Kernel.refusedLines(String.join("\n", refused));
                    if (!real.isEmpty()) throw KernelException.refusedLines(real);
                    return;
                }
                refused.add(line);
            }
            fail("too many lines on stderr");
            throw new KernelException("ipvsadm session: too many lines on stderr", false);
        } catch (IOException e) {
            fail(e.toString());
            throw new KernelException("ipvsadm session: " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
            throw new KernelException("ipvsadm session interrupted", false);
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
        NamedThreads.thread("ipvsadm-session-stderr", () -> {
                    try (r) {
                        for (String l; (l = r.readLine()) != null; ) q.add(l.length() > 400 ? l.substring(0, 400) : l);
                    } catch (IOException e) {
                        // the process was killed: EOF below
                    }
                    q.add(EOF);
                })
                .start();
        LOG.info("ipvsadm session started (pid {}): the fast path's edits go to one ipvsadm -R", process.pid());
    }

    /** Kills the process; counts the failure; gives up after {@link #MAX_FAILURES} in a row. */
    private void fail(String why) {
        kill();
        failuresInARow++;
        if (failuresInARow >= MAX_FAILURES)
            LOG.warn(
                    "ipvsadm session failed {} times in a row ({}): edits run as processes of their own from now on",
                    failuresInARow,
                    why);
        else LOG.warn("ipvsadm session failed ({}): a new one starts at the next edit", why);
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
