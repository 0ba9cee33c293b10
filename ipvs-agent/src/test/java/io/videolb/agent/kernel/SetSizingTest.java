package io.videolb.agent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.DesiredKernel;
import org.junit.jupiter.api.Test;

/** The steering set's capacity and initial hash size for its member count (issue 11: 1,000,000 clients). */
class SetSizingTest {
    @Test
    void hashsizeIsIpsetsDefaultForSmallSetsAndWhatTheKernelGrowsToForLargeOnes() {
        assertThat(KernelState.SetState.hashsizeFor(0)).isEqualTo(1024);
        assertThat(KernelState.SetState.hashsizeFor(1)).isEqualTo(1024);
        assertThat(KernelState.SetState.hashsizeFor(2048)).isEqualTo(1024);
        assertThat(KernelState.SetState.hashsizeFor(2049)).isEqualTo(2048);
        assertThat(KernelState.SetState.hashsizeFor(100_001)).isEqualTo(65536);
        assertThat(KernelState.SetState.hashsizeFor(1_000_001)).isEqualTo(524288); // the kernel's own, seen at 1M
        assertThat(KernelState.SetState.hashsizeFor(Integer.MAX_VALUE)).isEqualTo(1 << 26);
    }

    @Test
    void aMillionClientsFitTheSetWithRoomToDouble() {
        assertThat(DesiredKernel.maxelemFor(1_000_001)).isEqualTo(2_097_152);
        assertThat(DesiredKernel.maxelemFor(2_000_001)).isEqualTo(4_194_304);
    }
}
