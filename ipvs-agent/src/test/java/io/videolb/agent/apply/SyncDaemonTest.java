package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync daemons of two directors (role both) and the sync sysctls: pure logic on the fake kernel. */
class SyncDaemonTest {
    static final SyncDaemon BOTH = new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 2, SyncDaemon.Tuning.DEFAULT);

    /** What Debian's ipvsadm 1.31 printed in the VM (docs/director-ha-kernel.md). */
    static final String LISTED = "master sync daemon (mcast=eth0, syncid=1, maxlen=1472, group=224.0.0.81, port=8848,"
            + " ttl=1)\nbackup sync daemon (mcast=eth0, syncid=2, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n";

    final FakeKernel fk = new FakeKernel();
    final Kernel kernel = new Kernel(fk, Tools.DEFAULT, Names.DEFAULT);

    @TempDir
    Path dir;

    @Test
    void bothRolesStartAMasterWithTheOwnIdAndABackupWithThePeersId() {
        assertThat(BOTH.ensure(kernel))
                .containsExactly(
                        "started master sync daemon on eth0 syncid 1", "started backup sync daemon on eth0 syncid 2");
        assertThat(SyncDaemon.roles(SyncDaemon.running(kernel))).isEqualTo("master+backup");
        assertThat(BOTH.ensure(kernel)).as("nothing to do the second time").isEmpty();
    }

    @Test
    void theRealListingParsesAndAnIdThatOnlyStartsTheSameIsNotTaken() {
        assertThat(SyncDaemon.parse(LISTED))
                .containsExactly(
                        new SyncDaemon.Running("master", "eth0", 1), new SyncDaemon.Running("backup", "eth0", 2));
        assertThat(BOTH.runningIn(LISTED)).isTrue();
        assertThat(new SyncDaemon(SyncDaemon.Role.MASTER, "eth0", 1)
                        .runningIn(LISTED.replace("syncid=1,", "syncid=12,")))
                .isFalse();
        assertThat(SyncDaemon.roles(SyncDaemon.parse(""))).isEqualTo("off");
        assertThat(SyncDaemon.roles(
                        SyncDaemon.parse(LISTED.lines().skip(1).findFirst().orElseThrow())))
                .isEqualTo("backup");
    }

    @Test
    void aBackupWithAnotherIdIsRestartedAndTheRunningMasterIsLeftAlone() {
        fk.daemon = "master sync daemon (mcast=eth0, syncid=1)\nbackup sync daemon (mcast=eth0, syncid=9)\n";
        assertThat(BOTH.ensure(kernel))
                .containsExactly(
                        "stopped backup sync daemon with other settings",
                        "started backup sync daemon on eth0 syncid 2");
        assertThat(SyncDaemon.running(kernel))
                .containsExactlyInAnyOrder(
                        new SyncDaemon.Running("master", "eth0", 1), new SyncDaemon.Running("backup", "eth0", 2));
    }

    @Test
    void bothNeedsTwoDistinctNonZeroIds() {
        assertThatThrownBy(() -> new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 1, SyncDaemon.Tuning.DEFAULT))
                .hasMessageContaining("differ from the sync id 1");
        assertThatThrownBy(() -> new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 0, SyncDaemon.Tuning.DEFAULT))
                .hasMessageContaining("peer sync id");
        assertThatThrownBy(() -> new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 0, 2, SyncDaemon.Tuning.DEFAULT))
                .hasMessageContaining("1..255 with role both");
        assertThatThrownBy(() -> new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 256, SyncDaemon.Tuning.DEFAULT))
                .hasMessageContaining("peer sync id");
    }

    @Test
    void thresholdsAreCheckedLikeTheKernelDoes() {
        assertThat(SyncDaemon.Tuning.parseThreshold(" 3 50 ")).containsExactly(3, 50);
        assertThat(SyncDaemon.Tuning.parseThreshold("3\t0")).containsExactly(3, 0);
        assertThatThrownBy(() -> SyncDaemon.Tuning.parseThreshold("50 3")).hasMessageContaining("below the second");
        assertThatThrownBy(() -> SyncDaemon.Tuning.parseThreshold("3;reboot")).hasMessageContaining("two numbers");
        assertThatThrownBy(() -> SyncDaemon.Tuning.parseThreshold("3")).hasMessageContaining("two numbers");
        assertThatThrownBy(() -> new SyncDaemon.Tuning(true, 3, 50, 2)).hasMessageContaining("persist mode");
    }

    @Test
    void roleBothBringsTheHotStandbySysctlsAndTheOtherRolesLeaveThemAlone() throws IOException {
        Path root = dir.resolve("sys");
        Files.createDirectories(root.resolve("net/ipv4/vs"));
        Files.writeString(root.resolve("net/ipv4/vs/backup_only"), "1\n");
        Files.writeString(root.resolve("net/ipv4/vs/sync_threshold"), "3\t50\n");
        assertThat(Sysctls.wanted(SyncDaemon.NONE).keySet())
                .containsExactly("net/ipv4/vs/expire_nodest_conn", "net/ipv4/vs/expire_quiescent_template");
        assertThat(Sysctls.wanted(new SyncDaemon(SyncDaemon.Role.MASTER, "eth0", 7)))
                .as("a single role stays as it was before two directors")
                .isEqualTo(Sysctls.wanted(SyncDaemon.NONE));
        Map<String, String> wanted = Sysctls.wanted(BOTH);
        List<String> changed = Sysctls.ensure(root, wanted);
        assertThat(changed)
                .contains("net.ipv4.vs.backup_only 1 -> 0", "net.ipv4.vs.sloppy_tcp null -> 1")
                .noneMatch(c -> c.contains("sync_threshold"))
                .hasSize(6);
        assertThat(Sysctls.read(root, wanted.keySet()))
                .containsEntry("net.ipv4.vs.backup_only", "0")
                .containsEntry("net.ipv4.vs.sloppy_tcp", "1")
                .containsEntry("net.ipv4.vs.sync_version", "1")
                .containsEntry("net.ipv4.vs.sync_persist_mode", "0")
                .containsEntry("net.ipv4.vs.sync_threshold", "3 50");
        assertThat(Sysctls.ensure(root, wanted)).isEmpty();
        SyncDaemon noSloppy =
                new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 2, new SyncDaemon.Tuning(false, 2, 20, 1));
        assertThat(Sysctls.ensure(root, Sysctls.wanted(noSloppy)))
                .containsExactly(
                        "net.ipv4.vs.sloppy_tcp 1 -> 0",
                        "net.ipv4.vs.sync_persist_mode 0 -> 1",
                        "net.ipv4.vs.sync_threshold 3 50 -> 2 20");
    }
}
