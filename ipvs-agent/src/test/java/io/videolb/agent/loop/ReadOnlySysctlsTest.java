package io.videolb.agent.loop;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent where /proc/sys cannot be written (a container: Docker mounts it read-only for every unprivileged
 * container, network_mode host included): it says which IPVS sysctl it could not set, what that means and how to set
 * it on the host; its runs do not fail for it, and the sync daemon (netlink, not /proc/sys) still starts. The refusal
 * is the kernel's: the sysctl file is immutable ({@code chattr +i}: even root's write gets EPERM); the read-only
 * wording is SysctlsUnmetTest's. Needs root and an ext4/xfs temp dir (CI runs as root).
 */
class ReadOnlySysctlsTest {
    static final String NODEST = "net/ipv4/vs/expire_nodest_conn";

    @TempDir
    Path dir;

    Path sysctls;
    final FakeKernel fk = new FakeKernel();

    @BeforeEach
    void immutableSysctl() throws Exception {
        sysctls = dir.resolve("sys");
        Files.createDirectories(sysctls.resolve("net/ipv4/vs"));
        Files.writeString(sysctls.resolve(NODEST), "0\n");
        Files.writeString(sysctls.resolve("net/ipv4/vs/expire_quiescent_template"), "1\n"); // already as needed
        Assumptions.assumeTrue(chattr("+i") == 0, "chattr +i needs root and a file system with attributes");
    }

    @AfterEach
    void mutableAgain() throws Exception {
        chattr("-i"); // so that the temp dir can be deleted
    }

    private int chattr(String flag) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("chattr", flag, sysctls.resolve(NODEST).toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void whatCannotBeSetIsSaidWithItsMeaningTheRunSucceedsAndTheSyncDaemonStarts() throws Exception {
        Reconciler reconciler = new Reconciler(
                new Kernel(fk, Tools.DEFAULT, Names.DEFAULT),
                KernelCapabilities.FULL,
                Policy.DEFAULT,
                new Ownership(dir.resolve("owned")),
                null,
                sysctls,
                new SyncDaemon(SyncDaemon.Role.MASTER, "eth0", 7),
                () -> 1_000_000L);

        RunResult r = reconciler.run(snapshot(1, cluster()), HealthView.ALL_UP);

        assertThat(r.errors())
                .as("the kernel got everything else: the run is not failed")
                .isEmpty();
        assertThat(r.applied()).isNotEmpty();
        assertThat(fk.daemon)
                .as("the sync daemon needs no /proc/sys")
                .isEqualTo("master sync daemon (mcast=eth0, syncid=7)\n");
        assertThat(Files.readString(sysctls.resolve(NODEST))).isEqualTo("0\n");
        assertThat(reconciler.unmetSetup())
                .singleElement()
                .asString()
                .startsWith("cannot set sysctl net.ipv4.vs.expire_nodest_conn (is 0, videolb needs 1): the kernel"
                        + " refused the write (")
                .contains("Operation not permitted")
                .contains("connections to a removed server are not dropped at once")
                .endsWith("set it on the host: sysctl -w net.ipv4.vs.expire_nodest_conn=1 and in /etc/sysctl.d"
                        + " (docs/deployment.md)");

        // every periodic resync checks again; once the host has set it, nothing is unmet any more
        chattr("-i");
        Files.writeString(sysctls.resolve(NODEST), "1\n");
        reconciler.recheckSetup();
        assertThat(reconciler.run(snapshot(1, cluster()), HealthView.ALL_UP).errors())
                .isEmpty();
        assertThat(reconciler.unmetSetup()).isEmpty();
    }
}
