package io.videolb.testsupport.vm;

import io.videolb.threads.NamedThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs one command inside a throw-away QEMU VM whose (Debian) kernel has IPVS, through
 * {@code tools/ipvs-vm/run-in-ipvs-vm.sh}. See {@code docs/testing-ipvs-vm.md}.
 *
 * <p>The command runs as root through bash in {@link Builder#workDir} (shared read-write; by
 * default the test's working directory, i.e. the Maven module), the host's {@code /} is visible
 * read-only, and {@code IPVS_VM_TOOLS} points at {@code tools/ipvs-vm} (for {@code lab.sh}).
 * Every boot costs 4-9 s of emulation: do many things per boot.
 *
 * <p>If the VM cannot boot (missing qemu, no kernel, boot timeout...), {@link #run} throws an
 * {@link AssertionError}: the VM tier fails loudly. With the environment variable
 * {@code VIDEOLB_VM_TESTS=skip} no VM is started at all: every run aborts the test with a JUnit
 * assumption failure saying that the VM tier was skipped (skipped is not passed), as
 * {@code VIDEOLB_NETNS_TESTS=skip} does for the namespace tier. A command that fails is not a boot
 * failure: its exit code is returned in the {@link Result}.
 *
 * <p>Processes are started from argument lists only; nothing here builds a shell string. Runs
 * are serialised within a JVM (and, by the script, across the machine).
 */
public final class IpvsVm {

    /** Environment variable; value {@value #SKIP_VALUE} skips the VM tier deliberately (no boot). */
    public static final String SKIP_ENV = "VIDEOLB_VM_TESTS";

    public static final String SKIP_VALUE = "skip";
    /** Exit codes of the script (besides the command's own). */
    public static final int EXIT_TIMEOUT = 124;

    public static final int EXIT_VM_FAILED = 125;
    /** Printed by the script when the command never started. */
    static final String BOOT_FAILED_MARK = "ipvs-vm: boot failed";

    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern GUEST_FWD_ADDR =
            Pattern.compile("10\\.0\\.2\\.(?:[3-9]|[1-9][0-9]|1[0-9][0-9]|2[0-4][0-9]|25[0-4])");
    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9._-]{1,80}");
    private static final Object JVM_LOCK = new Object();

    private final Path script;
    private final Path workDir;
    private final Path logDir;
    private final Duration timeout;
    private final Duration prepareTimeout;
    private final Map<String, String> env;
    private final List<String> envNames;
    private final List<String> forwards;
    private final List<Path> rwDirs;
    private final boolean echo;
    private final UnaryOperator<String> getenv;

    private IpvsVm(Builder b) {
        this.script = b.script != null ? b.script : findScript(b.workDir);
        this.workDir = b.workDir;
        this.logDir = b.logDir != null ? b.logDir : b.workDir.resolve("target").resolve("ipvs-vm");
        this.timeout = b.timeout;
        this.prepareTimeout = b.prepareTimeout;
        this.env = Map.copyOf(b.env);
        this.envNames = List.copyOf(b.envNames);
        this.forwards = List.copyOf(b.forwards);
        this.rwDirs = List.copyOf(b.rwDirs);
        this.echo = b.echo;
        this.getenv = b.getenv;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The project's {@code tools/ipvs-vm} folder (found from the working directory up). */
    public static Path toolsDir() {
        Path s = findScript(Paths.get("").toAbsolutePath());
        return s == null ? null : s.getParent();
    }

    /** A scenario script (or other file) among {@code owner}'s test resources, as a path the guest can read. */
    public static Path resource(Class<?> owner, String name) {
        java.net.URL u = owner.getResource(name);
        if (u == null) throw new AssertionError("test resource " + name + " of " + owner.getName() + " not found");
        try {
            return Paths.get(u.toURI());
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError("test resource " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code target/NAME} under the working directory (the module, shared read-write with the guest), emptied of
     * an earlier run's files and created: where a VM test writes its inputs and the guest its logs.
     */
    public static Path freshRunDir(String name) throws IOException {
        Path run = Paths.get("target", name).toAbsolutePath();
        if (Files.exists(run)) {
            try (java.util.stream.Stream<Path> s = Files.walk(run)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(x);
            }
        }
        return Files.createDirectories(run);
    }

    /** Runs {@code command} (program + arguments) in a fresh VM. */
    public Result run(String name, String... command) {
        return run(name, Arrays.asList(command));
    }

    /**
     * Runs {@code command} (program + arguments) in a fresh VM and returns its exit code and merged
     * output; the output also goes to {@code <logDir>/<name>.log}.
     *
     * @throws AssertionError when the VM cannot boot
     */
    public Result run(String name, List<String> command) {
        if (!RUN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("run name must match " + RUN_NAME + ": " + name);
        }
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        // a bad run is an error whether or not the tier runs; only then may the tier be skipped
        if (SKIP_VALUE.equals(getenv.apply(SKIP_ENV))) {
            Assumptions.abort("VM tier SKIPPED because " + SKIP_ENV + "=" + SKIP_VALUE
                    + " (skipped is not passed): no VM was started for '" + name + "'");
        }
        for (String arg : command) {
            Objects.requireNonNull(arg, "command argument");
        }
        Path log = logDir.resolve(name + ".log");
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (script == null || !Files.isRegularFile(script)) {
            return bootFailed(
                    "tools/ipvs-vm/run-in-ipvs-vm.sh not found above " + workDir + " (set -Dvideolb.repo.root)",
                    log,
                    null);
        }
        synchronized (JVM_LOCK) {
            try (Writer w = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                Instant t0 = Instant.now();
                line(w, "# ipvs-vm run '" + name + "' at " + t0 + ", command " + command);
                List<String> prep = List.of("bash", script.toString(), "--prepare");
                Exec p = exec(prep, prepareTimeout, w, name + "/prepare");
                if (p.exitCode != 0) {
                    return bootFailed("preparing the VM failed (exit " + p.exitCode + ")", log, p.output);
                }
                List<String> argv = new ArrayList<>(List.of("bash", script.toString(), "--"));
                argv.addAll(command);
                // the script has its own timeout (IPVS_VM_TIMEOUT); ours is only a safety net
                Exec r = exec(argv, timeout.plusSeconds(60), w, name);
                Duration elapsed = Duration.between(t0, Instant.now());
                line(w, "# exit " + r.exitCode + " after " + elapsed.toMillis() + " ms");
                boolean neverStarted = r.output.contains(BOOT_FAILED_MARK);
                if (neverStarted && (r.exitCode == EXIT_VM_FAILED || r.exitCode == EXIT_TIMEOUT || r.exitCode < 0)) {
                    return bootFailed("the VM did not boot (exit " + r.exitCode + ")", log, r.output);
                }
                return new Result(r.exitCode, r.output, log, elapsed);
            } catch (IOException e) {
                return bootFailed("cannot run " + script + ": " + e, log, null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while the IPVS VM ran; log: " + log, e);
            }
        }
    }

    private Result bootFailed(String why, Path log, String output) {
        String msg = "IPVS VM tier: " + why + "; log: " + log
                + (output == null ? "" : "\n--- last output ---\n" + tail(output, 40));
        throw new AssertionError(
                msg + "\n(set " + SKIP_ENV + "=" + SKIP_VALUE + " to skip the VM tier deliberately; CI must not)");
    }

    private record Exec(int exitCode, String output) {}

    private Exec exec(List<String> argv, Duration limit, Writer log, String tag)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.putAll(env);
        List<String> names = new ArrayList<>(envNames);
        String inherited = e.get("IPVS_VM_ENV");
        if (inherited != null && !inherited.isBlank()) {
            names.add(0, inherited.trim());
        }
        if (!names.isEmpty()) {
            e.put("IPVS_VM_ENV", String.join(" ", names));
        }
        if (!forwards.isEmpty()) {
            e.put("IPVS_VM_FWD", String.join(" ", forwards));
        }
        // The guest mounts a fresh tmpfs on /tmp, so a checkout under /tmp (as CI may use) would be
        // invisible there through the read-only host root: share the repository itself (its tools,
        // its target/classes on the classpath of a JVM started in the guest) read-write too.
        List<String> dirs = new ArrayList<>();
        Path repoRoot = script.toAbsolutePath().getParent().getParent().getParent();
        if (repoRoot != null && repoRoot.getParent() != null) {
            dirs.add(repoRoot.toString());
        }
        for (Path d : rwDirs) {
            String a = d.toAbsolutePath().toString();
            if (!dirs.contains(a)) dirs.add(a);
        }
        if (!dirs.isEmpty()) {
            e.put("IPVS_VM_RW", String.join(":", dirs));
        }
        e.put("IPVS_VM_TIMEOUT", Long.toString(Math.max(1, timeout.toSeconds())));
        Process proc = pb.redirectInput(ProcessBuilder.Redirect.PIPE).start();
        proc.getOutputStream().close();
        StringBuilder out = new StringBuilder();
        Thread reader = NamedThreads.thread("ipvs-vm-output-" + tag, () -> {
            try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    synchronized (out) {
                        out.append(l).append('\n');
                    }
                    line(log, l);
                    if (echo) {
                        System.out.println("[vm " + tag + "] " + l);
                    }
                }
            } catch (IOException ignored) {
                // the process went away; what we have is what there is
            }
        });
        reader.start();
        int code;
        if (proc.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            code = proc.exitValue();
        } else {
            // only what we started: the script and its descendants (qemu, timeout, cat)
            proc.descendants().forEach(ProcessHandle::destroy);
            proc.destroy();
            if (!proc.waitFor(10, TimeUnit.SECONDS)) {
                proc.descendants().forEach(ProcessHandle::destroyForcibly);
                proc.destroyForcibly();
                proc.waitFor(10, TimeUnit.SECONDS);
            }
            line(log, "# killed after " + limit.toSeconds() + " s (" + BOOT_FAILED_MARK + "?)");
            code = -1;
        }
        reader.join(10_000);
        synchronized (out) {
            String s = out.toString();
            if (code == -1 && s.isEmpty()) {
                // killed by our safety timeout before anything came out: the VM never got going
                s = BOOT_FAILED_MARK + ": no output before the Java-side timeout\n";
            }
            return new Exec(code, s);
        }
    }

    private static void line(Writer w, String l) {
        try {
            synchronized (w) {
                w.write(l);
                w.write('\n');
                w.flush();
            }
        } catch (IOException ignored) {
            // logging must not break the run
        }
    }

    static String tail(String s, int lines) {
        String[] ls = s.split("\n", -1);
        int from = Math.max(0, ls.length - lines - 1);
        return String.join("\n", Arrays.asList(ls).subList(from, ls.length));
    }

    private static Path findScript(Path start) {
        String root = System.getProperty("videolb.repo.root");
        if (root != null && !root.isBlank()) {
            return Paths.get(root).toAbsolutePath().resolve("tools/ipvs-vm/run-in-ipvs-vm.sh");
        }
        for (Path d = start.toAbsolutePath(); d != null; d = d.getParent()) {
            Path s = d.resolve("tools/ipvs-vm/run-in-ipvs-vm.sh");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        return null;
    }

    /** Exit code and merged stdout+stderr of one VM run. */
    public record Result(int exitCode, String output, Path log, Duration elapsed) {

        public List<String> lines() {
            return output.lines().toList();
        }

        /** Throws an AssertionError with the output's tail unless the command exited 0. */
        public Result assertSuccess() {
            if (exitCode != 0) {
                throw new AssertionError("command in the IPVS VM exited " + exitCode + "; log: " + log
                        + "\n--- last output ---\n" + tail(output, 60));
            }
            return this;
        }
    }

    public static final class Builder {
        private Path script;
        private Path workDir = Paths.get("").toAbsolutePath();
        private Path logDir;
        private Duration timeout = Duration.ofMinutes(5);
        private Duration prepareTimeout = Duration.ofMinutes(15);
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<String> envNames = new ArrayList<>();
        private final List<String> forwards = new ArrayList<>();
        private final List<Path> rwDirs = new ArrayList<>();
        private boolean echo = true;
        private UnaryOperator<String> getenv = System::getenv;

        private Builder() {}

        /** The run-in-ipvs-vm.sh to use (default: found from the working directory up). */
        public Builder script(Path s) {
            this.script = s.toAbsolutePath();
            return this;
        }

        /** Where the command runs; shared read-write with the VM (default: current directory). */
        public Builder workDir(Path d) {
            this.workDir = d.toAbsolutePath();
            return this;
        }

        /** Folder for the {@code <name>.log} files (default {@code <workDir>/target/ipvs-vm}). */
        public Builder logDir(Path d) {
            this.logDir = d.toAbsolutePath();
            return this;
        }

        /** Limit for the VM run (boot + command); the script then exits 124. Default 5 min. */
        public Builder timeout(Duration t) {
            if (t.isNegative() || t.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = t;
            return this;
        }

        /** Limit for installing packages and building the kernel cache. Default 15 min. */
        public Builder prepareTimeout(Duration t) {
            this.prepareTimeout = t;
            return this;
        }

        /** Passes NAME=value into the guest. */
        public Builder env(String name, String value) {
            checkName(name);
            Objects.requireNonNull(value, "value");
            if (value.chars().anyMatch(c -> c == 0)) {
                throw new IllegalArgumentException("NUL in the value of " + name);
            }
            env.put(name, value);
            if (!envNames.contains(name)) {
                envNames.add(name);
            }
            return this;
        }

        /** Passes the host's (this JVM's) value of NAME into the guest, if it is set. */
        public Builder passEnv(String name) {
            checkName(name);
            if (!envNames.contains(name)) {
                envNames.add(name);
            }
            return this;
        }

        /**
         * Lets the guest open TCP connections to {@code guestAddress:guestPort} (10.0.2.x), each
         * relayed to {@code 127.0.0.1:hostPort} on the host (IPVS_VM_FWD). Nothing else leaves
         * the VM.
         */
        public Builder forward(String guestAddress, int guestPort, int hostPort) {
            if (!GUEST_FWD_ADDR.matcher(guestAddress).matches() || "10.0.2.15".equals(guestAddress)) {
                throw new IllegalArgumentException(
                        "guest forward address must be 10.0.2.3-254 (not .15): " + guestAddress);
            }
            checkPort(guestPort);
            checkPort(hostPort);
            forwards.add(guestAddress + ":" + guestPort + "=" + hostPort);
            return this;
        }

        /** Shares one more host folder read-write at the same path (IPVS_VM_RW). */
        public Builder shareReadWrite(Path dir) {
            String s = dir.toAbsolutePath().toString();
            if (s.contains(":") || s.chars().anyMatch(Character::isISOControl)) {
                throw new IllegalArgumentException("unsupported path for IPVS_VM_RW: " + s);
            }
            rwDirs.add(dir.toAbsolutePath());
            return this;
        }

        /** Echo the VM's output on stdout as it comes (default true). */
        public Builder echo(boolean e) {
            this.echo = e;
            return this;
        }

        /** For tests of this class: where VIDEOLB_VM_TESTS is read from. */
        Builder getenv(UnaryOperator<String> g) {
            this.getenv = g;
            return this;
        }

        public IpvsVm build() {
            return new IpvsVm(this);
        }

        private static void checkName(String name) {
            if (name == null || !ENV_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("bad environment variable name: " + name);
            }
        }

        private static void checkPort(int p) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("bad port: " + p);
            }
        }
    }
}
