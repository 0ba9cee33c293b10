package io.videolb.testsupport.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code main} class run as a child JVM on the test's class path, as the process ITs start a service: output and
 * errors to a log file, no {@code VIDEOLB_*} variable inherited from the test's environment. Waits are bounded; the
 * process is ended by its own PID ({@link #kill}: SIGKILL, no clean stop), also by {@link #close}.
 */
public final class ChildJvm implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code java JVM_OPTIONS -cp TEST_CLASS_PATH MAIN ARGS...} with its output in {@code log}. The class path
     * is failsafe's {@code surefire.test.class.path} ({@code java.class.path} may be a booter jar), else
     * {@code java.class.path}.
     */
    public static ChildJvm start(String name, Class<?> main, List<String> jvmOptions, List<String> args, Path log)
            throws IOException {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) cp = System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", cp, main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
        return new ChildJvm(name, pb.start(), log);
    }

    /**
     * Waits until the log holds {@code line}; fails (and kills the process) when it exits first or {@code within}
     * has passed, with the log in the message.
     */
    public ChildJvm awaitLine(String line, Duration within) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (Files.readString(log).contains(line)) return this;
            if (!process.isAlive()) throw new AssertionError(name + " process exited: " + Files.readString(log));
            Thread.sleep(100);
        }
        kill(Duration.ofSeconds(30));
        throw new AssertionError(name + " process not ready within " + within + ": " + Files.readString(log));
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    /** SIGKILL to this process's PID; true once it is gone within {@code within}. */
    public boolean kill(Duration within) throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill(Duration.ofSeconds(30));
    }
}
