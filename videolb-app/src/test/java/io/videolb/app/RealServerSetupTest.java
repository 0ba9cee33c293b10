package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RealServerSetupTest {
    @TempDir
    Path sys;

    @Test
    void printsTheVipOnLoAndTheArpSysctls() {
        RealServerSetup s = new RealServerSetup(RealServerSetup.vip("198.51.100.10"), "ip", sys);
        assertThat(s.describe())
                .containsExactly(
                        "ip addr replace 198.51.100.10/32 dev lo",
                        "sysctl -w net.ipv4.conf.all.arp_ignore=1",
                        "sysctl -w net.ipv4.conf.all.arp_announce=2",
                        "sysctl -w net.ipv4.conf.lo.arp_ignore=1",
                        "sysctl -w net.ipv4.conf.lo.arp_announce=2");
        assertThat(s.ipArgv()).containsExactly("ip", "addr", "replace", "198.51.100.10/32", "dev", "lo");
    }

    @Test
    void anythingButALiteralUnicastAddressIsRefusedNamingTheOption() {
        for (String bad : new String[] {
            "010.1.1.1",
            "1.2.3.4\n-F",
            "-1.2.3.4",
            "1.2.3.4/32",
            "vip.example",
            "127.0.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "1.2.3.4; reboot"
        }) {
            assertThatThrownBy(() -> RealServerSetup.vip(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--vip:");
        }
    }

    @Test
    void applyRunsIpWithAnArgumentListThenWritesTheSysctls() throws Exception {
        for (String d : new String[] {"net/ipv4/conf/all", "net/ipv4/conf/lo"}) Files.createDirectories(sys.resolve(d));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // "true" ignores its arguments: the test proves the flow without touching this host's addresses
        ExitCode rc = new RealServerSetup(RealServerSetup.vip("198.51.100.10"), "true", sys)
                .apply(new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(rc).isEqualTo(ExitCode.OK);
        assertThat(Files.readString(sys.resolve("net/ipv4/conf/all/arp_ignore")))
                .isEqualTo("1\n");
        assertThat(Files.readString(sys.resolve("net/ipv4/conf/all/arp_announce")))
                .isEqualTo("2\n");
        assertThat(Files.readString(sys.resolve("net/ipv4/conf/lo/arp_ignore"))).isEqualTo("1\n");
        assertThat(Files.readString(sys.resolve("net/ipv4/conf/lo/arp_announce")))
                .isEqualTo("2\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("ip addr replace 198.51.100.10/32 dev lo");
    }

    @Test
    void aFailingIpCommandStopsBeforeAnySysctl() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode rc = new RealServerSetup(RealServerSetup.vip("198.51.100.10"), "false", sys)
                .apply(System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(ExitCode.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("failed (exit 1)");
        assertThat(sys.resolve("net")).doesNotExist();
    }
}
