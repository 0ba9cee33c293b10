package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link Kernel#detect} lets the agent apply: ipset and iptables answering is not enough for steering when the
 * process lacks CAP_NET_RAW, because iptables' set match opens a raw socket to find the set (decision 117: an agent
 * with NET_ADMIN alone failed every steering apply with "Can't open socket to ipset").
 */
class KernelDetectTest {
    @TempDir
    Path proc;

    private final Kernel kernel = new Kernel(new FakeKernel(), Tools.DEFAULT, Names.DEFAULT);

    private void procWith(String capEffLine) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/ip_vs"), "IP Virtual Server version 1.2.1 (size=4096)\n");
        if (capEffLine != null) {
            Files.createDirectories(proc.resolve("self"));
            Files.writeString(
                    proc.resolve("self/status"),
                    "Name:\tjava\nUid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapPrm:\t0000000000003000\n" + capEffLine
                            + "\nCapBnd:\t0000000000003000\n");
        }
    }

    @Test
    void netAdminAndNetRawMeanEverythingIsApplied() throws IOException {
        procWith("CapEff:\t0000000000003000"); // bits 12 (NET_ADMIN) and 13 (NET_RAW)
        KernelCapabilities caps = kernel.detect(proc);
        assertThat(caps.mode()).isEqualTo(KernelMode.APPLY);
        assertThat(caps.reason()).isEmpty();
    }

    @Test
    void netAdminWithoutNetRawLeavesSteeringPlanOnlyAndSaysWhatToGrant() throws IOException {
        procWith("CapEff:\t0000000000001000"); // NET_ADMIN only: the tools answer, the set match would not
        KernelCapabilities caps = kernel.detect(proc);
        assertThat(caps.steering()).isFalse();
        assertThat(caps.ipvs()).as("IPVS needs NET_ADMIN only").isTrue();
        assertThat(caps.reason())
                .contains("CAP_NET_RAW")
                .contains("Can't open socket to ipset")
                .contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW");
    }

    @Test
    void aFullRootMaskAndAnUnreadableStatusChangeNothing() throws IOException {
        procWith("CapEff:\t000001ffffffffff");
        assertThat(kernel.detect(proc).mode()).isEqualTo(KernelMode.APPLY);
        Files.delete(proc.resolve("self/status")); // a fake /proc: the tools decide, as before
        assertThat(kernel.detect(proc).mode()).isEqualTo(KernelMode.APPLY);
        Files.writeString(proc.resolve("self/status"), "CapEff:\tnot-hex\n");
        assertThat(kernel.detect(proc).mode()).isEqualTo(KernelMode.APPLY);
    }

    @Test
    void theBitIsReadFromTheEffectiveSetOnly() throws IOException {
        procWith("CapEff:\t0000000000001000");
        assertThat(Kernel.effectiveCapability(proc, Kernel.CAP_NET_RAW)).contains(false);
        assertThat(Kernel.effectiveCapability(proc, 12)).contains(true);
        assertThat(Kernel.effectiveCapability(proc.resolve("absent"), 12)).isEmpty();
    }
}
