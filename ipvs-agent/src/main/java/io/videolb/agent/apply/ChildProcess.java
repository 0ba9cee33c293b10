package io.videolb.agent.apply;

import io.videolb.threads.NamedThreads;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A long-running child process the agent supervises (keepalived): started from an argument list
 * (never a shell), its stdout and stderr merged and handed line by line to {@code lines} on a named
 * thread, stopped with SIGTERM and, after a grace period, SIGKILL. Only this package starts processes
 * (ArchitectureTest).
 */
public final class ChildProcess {
    private final Process process;
    private final List<String> argv;

    private ChildProcess(Process process, List<String> argv) {
        this.process = process;
        this.argv = argv;
    }

    /** Starts {@code argv}; {@code lines} receives each output line (on a thread named {@code name-PID}). */
    public static ChildProcess start(List<String> argv, String name, Consumer<String> lines) throws IOException {
        List<String> a = List.copyOf(argv);
        ProcessBuilder pb = new ProcessBuilder(a).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        NamedThreads.thread(name + "-" + p.pid(), () -> {
                    try (BufferedReader r =
                            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (line.length() > 1000) line = line.substring(0, 1000) + "...";
                            lines.accept(line);
                        }
                    } catch (IOException e) {
                        // the process ended
                    }
                })
                .start();
        return new ChildProcess(p, a);
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Completes with the exit status when the process ends (128+N after signal N). */
    public CompletableFuture<Integer> onExit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    public List<String> argv() {
        return argv;
    }

    /** SIGTERM, then SIGKILL after {@code grace}; returns whether it has ended. */
    public boolean stop(Duration grace) {
        if (!process.isAlive()) return true;
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) return true;
            process.destroyForcibly();
            return process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
