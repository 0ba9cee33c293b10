package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sysctl the kernel refuses to write is said, with what it means, and the others are still set. The refusal is the
 * one the JDK gives for EROFS (a container's read-only /proc/sys): FileSystemException "Read-only file system".
 */
class SysctlsUnmetTest {
    @TempDir
    Path root;

    @Test
    void aReadOnlyProcSysIsSaidPerValueWithItsMeaningAndTheFix() throws IOException {
        Files.createDirectories(root.resolve("net/ipv4/vs"));
        Files.writeString(root.resolve("net/ipv4/vs/expire_nodest_conn"), "0\n");
        Files.writeString(root.resolve("net/ipv4/vs/expire_quiescent_template"), "1\n");
        Files.writeString(root.resolve("net/ipv4/vs/sloppy_tcp"), "0\n");
        Map<String, String> wanted = new LinkedHashMap<>();
        wanted.put("net/ipv4/vs/expire_nodest_conn", "1");
        wanted.put("net/ipv4/vs/expire_quiescent_template", "1"); // as needed: not written at all
        wanted.put("net/ipv4/vs/sloppy_tcp", "1");
        wanted.put("net/ipv4/vs/sync_persist_mode", "0"); // missing (written: created here)

        Sysctls.Outcome o = Sysctls.apply(root, wanted, (p, v) -> {
            if (p.getFileName().toString().equals("sync_persist_mode")) Files.writeString(p, v);
            else throw new FileSystemException(p.toString(), null, "Read-only file system");
        });

        assertThat(o.changed()).containsExactly("net.ipv4.vs.sync_persist_mode null -> 0");
        assertThat(o.unmet())
                .containsExactly(
                        "cannot set sysctl net.ipv4.vs.expire_nodest_conn (is 0, videolb needs 1): /proc/sys is"
                                + " read-only here (a container: Docker mounts it read-only); connections to a removed"
                                + " server are not dropped at once: after a failover a viewer whose client port is"
                                + " reused can stay stuck on the dead server (measured: up to 46 s); set it on the"
                                + " host: sysctl -w net.ipv4.vs.expire_nodest_conn=1 and in /etc/sysctl.d"
                                + " (docs/deployment.md)",
                        "cannot set sysctl net.ipv4.vs.sloppy_tcp (is 0, videolb needs 1): /proc/sys is read-only"
                                + " here (a container: Docker mounts it read-only); the connection sync between two"
                                + " directors runs with the kernel's value instead (docs/director-ha-kernel.md):"
                                + " viewers' connections may not survive a takeover as measured; set it on the host:"
                                + " sysctl -w net.ipv4.vs.sloppy_tcp=1 and in /etc/sysctl.d (docs/deployment.md)");
    }
}
