package io.videolb.agent.desired;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.events.AgentStatus.ServerConnections;
import io.videolb.model.Fwmark;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pool status carries what the kernel counted per real server in the run (issue 15: the admin page's
 * connections per server), and nothing for a pool whose service the kernel does not have yet.
 */
class PoolConnectionsTest {

    @Test
    void thePoolStatusCarriesTheKernelsCountsPerServer() {
        KernelState observed = MaintenanceDrainTest.kernel(
                new Fwmark(1),
                Map.of(
                        ip("198.51.100.1"),
                        new RealServerState(1, true, 7, 2),
                        ip("198.51.100.2"),
                        new RealServerState(3, true, 0, 5)));
        DesiredKernel dk = MaintenanceDrainTest.compute(cluster(), observed, Map.of(), MaintenanceDrainTest.NOW);
        assertThat(dk.pools().get(0).mark()).isEqualTo(1);
        assertThat(dk.pools().get(0).connections())
                .containsExactly(
                        new ServerConnections("198.51.100.1", 1, 7, 2), new ServerConnections("198.51.100.2", 3, 0, 5));
    }

    @Test
    void noServiceInTheKernelNoCounts() {
        DesiredKernel dk =
                MaintenanceDrainTest.compute(cluster(), KernelState.EMPTY, Map.of(), MaintenanceDrainTest.NOW);
        assertThat(dk.pools()).isNotEmpty();
        assertThat(dk.pools()).allSatisfy(p -> assertThat(p.connections()).isEmpty());
    }
}
