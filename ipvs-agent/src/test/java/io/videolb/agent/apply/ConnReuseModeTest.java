package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnReuseModeTest {
    @TempDir
    Path root;

    void kernel(String release, String conntrack, String mode) throws Exception {
        Files.createDirectories(root.resolve("net/ipv4/vs"));
        Files.createDirectories(root.resolve("kernel"));
        Files.writeString(root.resolve(ConnReuseMode.OSRELEASE), release + "\n");
        Files.writeString(root.resolve(ConnReuseMode.CONNTRACK), conntrack + "\n");
        Files.writeString(root.resolve(ConnReuseMode.MODE), mode + "\n");
    }

    String mode() throws Exception {
        return Files.readString(root.resolve(ConnReuseMode.MODE)).strip();
    }

    @Test
    void decisionByKernelVersionAndIpvsConntrack() {
        assertThat(ConnReuseMode.wanted("5.9.0", true)).isEqualTo("1");
        assertThat(ConnReuseMode.wanted("6.1.0-18-amd64", true)).isEqualTo("1");
        assertThat(ConnReuseMode.wanted("5.10.0-28-amd64", false)).isEqualTo("1");
        assertThat(ConnReuseMode.wanted("5.8.18", false))
                .as("no conntrack: no SYN drop path")
                .isEqualTo("1");
        assertThat(ConnReuseMode.wanted("4.19.0-26-amd64", true))
                .as("both values have a defect: left")
                .isNull();
        assertThat(ConnReuseMode.wanted("garbage", true)).isNull();
        assertThat(ConnReuseMode.version("10.2.1")).containsExactly(10, 2);
    }

    @Test
    void aModernKernelGetsModeOneAndASecondCallChangesNothing() throws Exception {
        kernel("6.1.0-18-amd64", "0", "0");
        assertThat(ConnReuseMode.ensure(root)).singleElement().asString().contains("0 -> 1");
        assertThat(mode()).isEqualTo("1");
        assertThat(ConnReuseMode.ensure(root)).isEmpty();
    }

    @Test
    void anOldKernelWithIpvsConntrackIsLeftAloneAndReported() throws Exception {
        kernel("4.19.0-26-amd64", "1", "0");
        assertThat(ConnReuseMode.ensure(root))
                .singleElement()
                .asString()
                .startsWith("left ")
                .contains("#81775");
        assertThat(mode()).isEqualTo("0");
    }

    @Test
    void noKnobNoChange() throws Exception {
        assertThat(ConnReuseMode.ensure(root)).isEmpty();
    }
}
