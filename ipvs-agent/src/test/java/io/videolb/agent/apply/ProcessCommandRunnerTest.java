package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real process adapter against small scripts that misbehave like a stalled kernel tool: every call returns
 * within its deadline (plus the fixed kill grace), the tool and what it started are killed, output is capped.
 */
class ProcessCommandRunnerTest {
    static final Duration T = Duration.ofMillis(1500);
    /** The deadline plus the kill grace and the pumps' end: the longest any call may take. */
    static final Duration LIMIT = T.plus(ProcessCommandRunner.PUMP_GRACE).plusSeconds(2);

    @TempDir
    Path dir;

    final ProcessCommandRunner runner = new ProcessCommandRunner(100_000, 1_000);

    Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        return p;
    }

    /** Dead or a zombie (killed, waiting for whoever reaps orphans here), within 5 s. */
    static boolean gone(long pid) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                    if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) return true;
                } catch (java.io.IOException e) {
                    return true;
                }
                Thread.sleep(100);
            } else return true;
        }
        return false;
    }

    @Test
    void aToolThatNeverReadsAMultiMegabytePayloadIsKilledAtTheDeadline() throws Exception {
        // the first write of more than a pipe's 64 KiB blocks forever: before, that happened BEFORE the timeout began
        Path hang = script("ipset", "echo $$ > " + dir.resolve("pid") + "\nexec sleep 600");
        String payload = "add videolb-clients 198.18.0.1 skbmark 0x1\n".repeat(200_000); // ~8.6 MB
        long t0 = System.nanoTime();
        CommandRunner.Result r = runner.run(List.of(hang.toString(), "restore"), payload, T);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(r.timedOut()).isTrue();
        assertThat(r.ok()).isFalse();
        assertThat(r.stderr()).contains("timed out after 1500 ms").contains("stdin payload was not fully read");
        assertThat(took).isGreaterThanOrEqualTo(T).isLessThan(LIMIT);
        long pid = Long.parseLong(Files.readString(dir.resolve("pid")).strip());
        assertThat(gone(pid)).as("the tool is gone").isTrue();
    }

    @Test
    void aWrapperWhoseChildHoldsThePipesIsKilledWithItsChild() throws Exception {
        // the shell waits for a child that inherited stdout: killing the shell alone leaves the pipe open
        Path wrapper = script("ipvsadm", "sleep 600 &\necho $! > " + dir.resolve("child") + "\nwait");
        long t0 = System.nanoTime();
        CommandRunner.Result r = runner.run(List.of(wrapper.toString(), "-Sn"), null, T);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(LIMIT);
        assertThat(r.timedOut()).isTrue();
        long child = Long.parseLong(Files.readString(dir.resolve("child")).strip());
        assertThat(gone(child))
                .as("the child that held the pipes is killed too")
                .isTrue();
    }

    @Test
    void aToolThatExitsButLeavesADaemonHoldingStdoutDoesNotBlockTheCaller() throws Exception {
        Path t = script("iptables-save", "sleep 600 &\necho $! > " + dir.resolve("child") + "\necho done\nexit 0");
        long t0 = System.nanoTime();
        CommandRunner.Result r = runner.run(List.of(t.toString()), null, T);
        long child = Long.parseLong(Files.readString(dir.resolve("child")).strip());
        try {
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(LIMIT);
            // the JDK may hand over what was written at the exit (then: complete); if a pump is still blocked on the
            // daemon's pipe, the call ends at the grace and says why - never a wait on the daemon
            if (r.ok()) assertThat(r.stdout()).isEqualTo("done\n");
            else assertThat(r.stderr()).contains("exited but its output did not end");
        } finally {
            ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly); // the test's own orphan, by its pid
        }
    }

    @Test
    void outputBeyondTheCapIsRefusedAsIncompleteAndStderrIsTruncated() throws Exception {
        Path loud = script("ipset", "head -c 5000000 /dev/zero\nhead -c 50000 /dev/zero >&2\nexit 0");
        CommandRunner.Result r = runner.run(List.of(loud.toString(), "save"), null, Duration.ofSeconds(20));
        assertThat(r.ok()).isFalse();
        assertThat(r.timedOut()).isFalse();
        assertThat(r.stderr()).contains("printed more than 100000 bytes");
        Path noisy = script("ipvsadm", "head -c 50000 /dev/zero | tr '\\\\0' e >&2\nexit 3");
        CommandRunner.Result e = runner.run(List.of(noisy.toString()), null, Duration.ofSeconds(20));
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.stderr()).hasSizeLessThan(1_100).endsWith("[stderr truncated]");
    }

    @Test
    void aWellBehavedToolGetsItsPayloadAndItsOutputBack() throws Exception {
        String payload = "line\n".repeat(50_000); // 250 KB: more than a pipe holds, read while written
        CommandRunner.Result r = new ProcessCommandRunner().run(List.of("wc", "-l"), payload, Duration.ofSeconds(20));
        assertThat(r.ok()).as(r.describe()).isTrue();
        assertThat(r.stdout().strip()).isEqualTo("50000");
        CommandRunner.Result fail = runner.run(List.of("sh", "-c", "echo nope >&2; exit 4"), null, T);
        assertThat(fail.exitCode()).isEqualTo(4);
        assertThat(fail.stderr().strip()).isEqualTo("nope");
        assertThat(fail.timedOut()).isFalse();
        CommandRunner.Result missing = runner.run(List.of(dir.resolve("absent").toString()), null, T);
        assertThat(missing.ok()).isFalse();
        assertThat(missing.stderr()).startsWith("cannot start");
    }

    /**
     * The agent reads the whole steering set with {@code ipset save}: the default cap must hold it at the largest
     * client count config-service accepts (its default CSV row cap) with the longest lines ipset prints for it. At
     * 64 MiB it did not: the read of about 0.95-1.4 million clients was refused as incomplete (issue 11).
     */
    @Test
    void theDefaultCapHoldsIpsetSaveOfTheLargestSteeringSetConfigServiceAccepts() {
        String longestSetName = "x".repeat(31); // ipset's IPSET_MAXNAMELEN - 1 (VIDEOLB_SET allows 28)
        int longestLine = ("add " + longestSetName + " 255.255.255.255/32 skbmark 0xffffffff\n").length();
        long clients = io.videolb.config.csv.CsvLimits.DEFAULT.maxRows() + 1L; // + the clients' network
        long header = 200; // the create line
        assertThat(longestLine).isEqualTo(74);
        assertThat((long) ProcessCommandRunner.DEFAULT_STDOUT_CAP)
                .isGreaterThanOrEqualTo(clients * longestLine + header);
    }
}
