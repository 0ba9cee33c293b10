package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.kernel.Names;
import io.videolb.agent.render.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path's long-lived {@code ipvsadm -R} against a script that speaks ipvsadm's restore protocol as measured
 * on the real tool (docs/ipvs-agent.md): each line applied as it is read, one stderr line per refused line and the
 * tool goes on, a line it cannot parse ends it. The real ipvsadm runs it in the VM (IpvsAgentVmIT's failover).
 */
class IpvsEditSessionTest {
    @TempDir
    Path dir;

    private Path log;
    private IpvsEditSession session;

    @BeforeEach
    void script() throws Exception {
        log = dir.resolve("lines");
        Path fifo = dir.resolve("never");
        Path script = Files.writeString(
                dir.resolve("fake-ipvsadm-restore"),
                String.join(
                        "\n",
                        "#!/bin/bash",
                        "echo \"start $$\" >>'" + log + "'",
                        "mkfifo '" + fifo + "' 2>/dev/null; exec 9<>'" + fifo + "'",
                        "while IFS= read -r l; do",
                        "  echo \"$l\" >>'" + log + "'",
                        "  case $l in",
                        "    '-Z -f 4294967295') echo 'No such service' >&2 ;;",
                        "    *192.0.2.99*) echo 'Destination already exists' >&2 ;;",
                        "    *--bogus*) echo \"invalid option \\`--bogus'\" >&2; exit 2 ;;",
                        "    *192.0.2.98*) read -r -t 30 -u 9 _ ;;", // a hung kernel call: no answer, no child
                        "  esac",
                        "done",
                        ""));
        session = new IpvsEditSession(List.of("bash", script.toString()));
    }

    @AfterEach
    void close() {
        session.close();
    }

    private List<String> lines() throws Exception {
        return Files.readAllLines(log);
    }

    @Test
    void batchesGoToOneProcessEachFollowedByTheSentinel() throws Exception {
        session.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1\n-d -f 10 -r 192.0.2.11:0\n", Duration.ofSeconds(10));
        session.apply("-e -f 10 -r 192.0.2.21:0 -g -w 0", Duration.ofSeconds(10));
        List<String> l = lines();
        assertThat(l.stream().filter(s -> s.startsWith("start ")))
                .as("one process for both batches")
                .hasSize(1);
        assertThat(l.subList(1, l.size()))
                .containsExactly(
                        "-a -f 10 -r 192.0.2.21:0 -g -w 1",
                        "-d -f 10 -r 192.0.2.11:0",
                        IpvsEditSession.SENTINEL,
                        "-e -f 10 -r 192.0.2.21:0 -g -w 0",
                        IpvsEditSession.SENTINEL);
        assertThat(session.usable()).isTrue();
    }

    @Test
    void theVersionWarningAtItsStartIsNotARefusal() throws Exception {
        // what ipvsadm prints first when the kernel's IPVS is older than it expects, then it works on
        Path warns = Files.writeString(
                dir.resolve("fake-ipvsadm-warning"),
                String.join(
                        "\n",
                        "#!/bin/bash",
                        "printf 'Warning: IPVS version mismatch: \\n  Kernel compiled with IPVS version 1.2.1\\n"
                                + "  ipvsadm 1.31 requires minimum IPVS version 1.2.2\\n\\n' >&2",
                        "while IFS= read -r l; do",
                        "  case $l in",
                        "    '-Z -f 4294967295') echo 'No such service' >&2 ;;",
                        "    *192.0.2.99*) echo 'Destination already exists' >&2 ;;",
                        "  esac",
                        "done",
                        ""));
        IpvsEditSession warned = new IpvsEditSession(List.of("bash", warns.toString()));
        try {
            warned.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1", Duration.ofSeconds(10));
            assertThatThrownBy(() -> warned.apply("-a -f 10 -r 192.0.2.99:0 -g -w 1", Duration.ofSeconds(10)))
                    .isInstanceOf(KernelException.class)
                    .hasMessage("ipvsadm -R refused 1 line(s): Destination already exists");
            assertThat(warned.usable()).isTrue();
        } finally {
            warned.close();
        }
    }

    @Test
    void aRefusedLineFailsTheBatchNamingItAndTheSessionGoesOn() throws Exception {
        assertThatThrownBy(() -> session.apply(
                        "-a -f 10 -r 192.0.2.99:0 -g -w 1\n-d -f 10 -r 192.0.2.11:0\n", Duration.ofSeconds(10)))
                .isInstanceOf(KernelException.class)
                .hasMessage("ipvsadm -R refused 1 line(s): Destination already exists");
        session.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1", Duration.ofSeconds(10));
        assertThat(lines().stream().filter(s -> s.startsWith("start ")))
                .as("the same process")
                .hasSize(1);
    }

    @Test
    void aToolThatEndsFailsTheBatchAndTheNextBatchStartsANewOne() throws Exception {
        assertThatThrownBy(() -> session.apply("-a -f 10 -r 192.0.2.21:0 --bogus", Duration.ofSeconds(10)))
                .isInstanceOf(KernelException.class)
                .hasMessageStartingWith("ipvsadm session ended")
                .hasMessageContaining("invalid option");
        session.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1", Duration.ofSeconds(10));
        assertThat(lines().stream().filter(s -> s.startsWith("start "))).hasSize(2);
    }

    @Test
    void noAnswerWithinTheDeadlineKillsItAndThreeFailuresInARowGiveUp() throws Exception {
        for (int i = 0; i < IpvsEditSession.MAX_FAILURES; i++) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> session.apply("-a -f 10 -r 192.0.2.98:0 -g -w 1", Duration.ofMillis(300)))
                    .isInstanceOf(KernelException.class)
                    .hasMessageStartingWith("timeout: ipvsadm session gave no answer within 300 ms")
                    .matches(e -> ((KernelException) e).timedOut());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        assertThat(session.usable()).isFalse();
        assertThatThrownBy(() -> session.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1", Duration.ofSeconds(1)))
                .hasMessage("ipvsadm session not usable");
    }

    @Test
    void aSuccessResetsTheFailureCount() throws Exception {
        for (int i = 0; i < IpvsEditSession.MAX_FAILURES - 1; i++) {
            assertThatThrownBy(() -> session.apply("--bogus", Duration.ofSeconds(10)))
                    .isInstanceOf(KernelException.class);
        }
        session.apply("-a -f 10 -r 192.0.2.21:0 -g -w 1", Duration.ofSeconds(10));
        assertThatThrownBy(() -> session.apply("--bogus", Duration.ofSeconds(10)))
                .isInstanceOf(KernelException.class);
        assertThat(session.usable()).isTrue();
    }

    @Test
    void theKernelSendsOnlyTheFastPathsIpvsEditsToTheSession() throws Exception {
        Step ipvs =
                new Step(Step.Tool.IPVS, List.of("-a -f 10 -r 192.0.2.21:0 -g -w 1"), 1, List.of("add"), "fwmark 10");
        List<List<String>> processes = new java.util.ArrayList<>();
        CommandRunner runner = (argv, stdin, timeout) -> {
            processes.add(argv);
            return new CommandRunner.Result(0, "", "");
        };
        Kernel k = new Kernel(runner, Tools.DEFAULT, Names.DEFAULT, session);
        k.runEdit(ipvs);
        assertThat(processes).as("no process for the edit").isEmpty();
        k.run(ipvs);
        assertThat(processes).containsExactly(List.of("ipvsadm", "-R"));
        k.close();
        assertThat(session.usable()).isFalse();
        k.runEdit(ipvs); // closed: a process again
        assertThat(processes).hasSize(2);
    }

    @Test
    void aRestoreProcessThatExitsZeroAfterARefusedLineIsARefusal() {
        // ipvsadm -R's exit status is the last line's: an earlier refused line shows on stderr only
        Step ipvs = new Step(
                Step.Tool.IPVS,
                List.of("-a -f 10 -r 192.0.2.99:0 -g -w 1", "-d -f 10 -r 192.0.2.11:0"),
                2,
                List.of("add", "delete"),
                "fwmark 10");
        Kernel k = new Kernel(
                (argv, stdin, timeout) -> new CommandRunner.Result(0, "", "Destination already exists\n"),
                Tools.DEFAULT,
                Names.DEFAULT);
        assertThatThrownBy(() -> k.run(ipvs))
                .isInstanceOf(KernelException.class)
                .hasMessage("ipvsadm -R refused 1 line(s): Destination already exists");
        assertThat(Kernel.refusedLines("Warning: IPVS version mismatch: \n  Kernel compiled with IPVS version 1.0.0\n"
                        + "  ipvsadm 1.31 requires minimum IPVS version 1.2.1\n\nNo such destination\n"))
                .containsExactly("No such destination");
        assertThat(Kernel.refusedLines("")).isEmpty();
    }
}
