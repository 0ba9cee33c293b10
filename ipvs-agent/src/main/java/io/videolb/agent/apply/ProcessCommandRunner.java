package io.videolb.agent.apply;

import io.videolb.threads.NamedThreads;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a tool with ProcessBuilder: argument list (never a shell), stdin payload, stdout/stderr captured up to a
 * cap, and one deadline that nothing bypasses. The payload is written to stdin on a thread of its own INSIDE the
 * deadline (a stalled {@code ipset restore} that stops reading a multi-MB payload cannot block the caller), stdout
 * and stderr are read by two pump threads, and at the deadline the process and every process it started (a wrapper
 * script's {@code sleep} keeps the pipes open otherwise) are killed; the caller gets a {@link Result#timedOut()}
 * result and carries on. Output beyond the caps is read and dropped (the tool never blocks on a full pipe); a
 * truncated stdout makes the call fail, since a parser must not read half a table.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);
    /**
     * 160 MiB: {@code ipset save} of the steering set at config-service's default CSV row cap (2,000,000 clients)
     * with the longest lines (a 31-character set name, ipset's longest; a /NN network; mark 0xffffffff: 74 bytes)
     * is 148 MB; 1,000,000 typical clients print 47 MB. It was 64 MiB, which refused the agent's kernel read from
     * about 0.95 million clients (longest lines, a 28-character {@code VIDEOLB_SET}) to 1.4 million (typical lines,
     * the default set name) on (issue 11). IPVS tables of a director are far smaller. A read this large is held in memory about
     * three times over while it is parsed (bytes, text, members).
     */
    public static final int DEFAULT_STDOUT_CAP = 160 * 1024 * 1024;

    public static final int DEFAULT_STDERR_CAP = 64 * 1024;
    /** How long the pumps may take to see end-of-file once the process is gone (a daemonised grandchild may hold the pipe). */
    static final Duration PUMP_GRACE = Duration.ofSeconds(2);

    private final int stdoutCap;
    private final int stderrCap;

    public ProcessCommandRunner() {
        this(DEFAULT_STDOUT_CAP, DEFAULT_STDERR_CAP);
    }

    public ProcessCommandRunner(int stdoutCap, int stderrCap) {
        if (stdoutCap < 1 || stderrCap < 1) throw new IllegalArgumentException("output caps must be positive");
        this.stdoutCap = stdoutCap;
        this.stderrCap = stderrCap;
    }

    @Override
    public Result run(List<String> argv, String stdin, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String tool = argv.get(0);
        ProcessBuilder pb = new ProcessBuilder(List.copyOf(argv));
        pb.environment().put("LC_ALL", "C");
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-1, "", "cannot start " + tool + ": " + e.getMessage());
        }
        String name = shortName(tool);
        Pump out = new Pump(p.getInputStream(), stdoutCap);
        Pump err = new Pump(p.getErrorStream(), stderrCap);
        Thread outT = NamedThreads.thread("tool-stdout-" + name, out);
        Thread errT = NamedThreads.thread("tool-stderr-" + name, err);
        outT.start();
        errT.start();
        Thread inT = null;
        if (stdin != null) {
            byte[] payload = stdin.getBytes(StandardCharsets.UTF_8);
            inT = NamedThreads.thread("tool-stdin-" + name, () -> {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(payload);
                } catch (IOException e) {
                    LOG.debug("stdin of {} closed early: {}", tool, e.getMessage());
                }
            });
            inT.start();
        }
        try {
            boolean exited = p.waitFor(remainingNanos(deadline), TimeUnit.NANOSECONDS);
            if (exited) {
                // the pumps see end-of-file at once unless a grandchild still holds the pipes: bounded either way
                long grace = Math.max(remainingNanos(deadline), PUMP_GRACE.toNanos());
                long joinUntil = System.nanoTime() + grace;
                outT.join(Math.max(1, remainingNanos(joinUntil) / 1_000_000));
                errT.join(Math.max(1, remainingNanos(joinUntil) / 1_000_000));
                if (outT.isAlive() || errT.isAlive()) {
                    killTree(p);
                    return Result.timedOut(tool + " exited but its output did not end within the deadline ("
                            + timeout.toMillis() + " ms); its processes were killed");
                }
                if (out.truncated())
                    return new Result(
                            -1, "", tool + " printed more than " + stdoutCap + " bytes: output refused as incomplete");
                return new Result(
                        p.exitValue(), out.text(), err.text() + (err.truncated() ? " [stderr truncated]" : ""));
            }
            boolean payloadPending = inT != null && inT.isAlive();
            killTree(p);
            return Result.timedOut(tool + " timed out after " + timeout.toMillis() + " ms"
                    + (payloadPending ? " (its stdin payload was not fully read)" : "")
                    + " and was killed"
                    + (err.text().isBlank() ? "" : "; stderr: " + err.text().strip()));
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            return new Result(-1, "", tool + " interrupted; killed");
        }
    }

    /** Kills the process and everything it started, then closes our ends of the pipes so no pump or writer stays blocked. */
    private static void killTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(PUMP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (AutoCloseable c : new AutoCloseable[] {p.getOutputStream(), p.getInputStream(), p.getErrorStream()}) {
            try {
                c.close();
            } catch (Exception e) {
                // already closed
            }
        }
    }

    private static long remainingNanos(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private static String shortName(String tool) {
        int slash = tool.lastIndexOf('/');
        String n = slash < 0 ? tool : tool.substring(slash + 1);
        return n.isBlank() ? "tool" : n;
    }

    /** Reads a stream to its end, keeping at most {@code cap} bytes. */
    private static final class Pump implements Runnable {
        private final InputStream in;
        private final int cap;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean truncated;

        Pump(InputStream in, int cap) {
            this.in = in;
            this.cap = cap;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        int room = cap - kept.size();
                        if (room > 0) kept.write(buf, 0, Math.min(room, n));
                        if (n > room) truncated = true;
                    }
                }
            } catch (IOException e) {
                // closed after a kill: what was read so far stays
            }
        }

        boolean truncated() {
            return truncated;
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
