package io.videolb.testsupport.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/** IpvsVm's contract with the script, against a fake script (no VM). */
class IpvsVmTest {

    @TempDir
    Path dir;

    private Path fake(String body) throws IOException {
        Path s = dir.resolve("run-in-ipvs-vm.sh");
        Files.writeString(s, "#!/bin/bash\n[ \"$1\" = --prepare ] && exit 0\nshift\n" + body + "\n");
        return s;
    }

    private IpvsVm vm(Path script, Map<String, String> env) {
        return IpvsVm.builder()
                .script(script)
                .workDir(dir)
                .echo(false)
                .timeout(Duration.ofSeconds(30))
                .getenv(env::get)
                .env("FOO", "a b $x 'c'")
                .build();
    }

    @Test
    void passesArgumentsUnchangedAndReturnsTheCommandsExitCode() throws IOException {
        Path s = fake("printf '<%s>' \"$@\"; echo; echo \"FOO=$FOO ENV=$IPVS_VM_ENV T=$IPVS_VM_TIMEOUT\"; exit 7");
        IpvsVm.Result r = vm(s, Map.of()).run("t1", "echo", "a b", "$(id)", ";rm -rf /");
        assertThat(r.exitCode()).isEqualTo(7);
        assertThat(r.lines()).containsExactly("<echo><a b><$(id)><;rm -rf />", "FOO=a b $x 'c' ENV=FOO T=30");
        assertThat(r.log()).exists().content().contains("<a b>");
    }

    @Test
    void aBootFailureFailsLoudly() throws IOException {
        Path s = fake("echo 'ipvs-vm: boot failed: the VM ended before the command started' >&2; exit 125");
        assertThatThrownBy(() -> vm(s, Map.of()).run("t2", "true"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("did not boot")
                .hasMessageContaining("VIDEOLB_VM_TESTS=skip");
    }

    @Test
    void skipMeansNoVmIsStartedAndTheTestIsReportedSkipped() throws IOException {
        Path started = dir.resolve("started");
        Path s = fake("touch '" + started + "'; exit 0");
        assertThatThrownBy(() -> vm(s, Map.of("VIDEOLB_VM_TESTS", "skip")).run("t3", "true"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("VM tier SKIPPED");
        assertThat(started).as("the VM script was not run at all").doesNotExist();
        vm(s, Map.of()).run("t3b", "true");
        assertThat(started).as("without skip the same script runs").exists();
    }

    @Test
    void aFailedCommandIsNotABootFailure() throws IOException {
        Path s = fake("echo 'ipvs-vm: VM ended without a result (qemu exit 0)' >&2; exit 125");
        IpvsVm.Result r = vm(s, Map.of()).run("t4", "true");
        assertThat(r.exitCode()).isEqualTo(125);
        assertThatThrownBy(r::assertSuccess).isInstanceOf(AssertionError.class).hasMessageContaining("exited 125");
    }

    @Test
    void aMissingScriptIsABootFailure() {
        assertThatThrownBy(() -> vm(dir.resolve("nope.sh"), Map.of()).run("t5", "true"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("not found");
    }

    @Test
    void rejectsBadForwardsAndNames() {
        assertThatThrownBy(() -> IpvsVm.builder().forward("127.0.0.1", 9093, 1234))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpvsVm.builder().forward("10.0.2.15", 9093, 1234))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpvsVm.builder().env("A B", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpvsVm.builder().build().run("../x", "true"))
                .isInstanceOf(IllegalArgumentException.class);
        IpvsVm.builder().forward("10.0.2.100", 9093, 40123);
    }
}
