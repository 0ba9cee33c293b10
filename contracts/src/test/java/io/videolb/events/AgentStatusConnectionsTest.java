package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-server connection counts in a pool's status (issue 15) are an optional field: a status written by an agent
 * before it reads with none, and a new one round-trips.
 */
class AgentStatusConnectionsTest {

    @Test
    void aPoolStatusWithoutConnectionsFromAnOlderAgentReadsWithNone() {
        String old = "{\"director\":\"dir-a\",\"mode\":\"apply\",\"appliedGeneration\":3,\"desiredGeneration\":3,"
                + "\"pools\":[{\"mark\":20,\"inService\":[\"192.0.2.12:1\"],\"substitutions\":[],\"panic\":false,"
                + "\"down\":[]}],\"drains\":[]}";
        AgentStatus s = Json.read(old, AgentStatus.class);
        assertThat(s.pools()).hasSize(1);
        assertThat(s.pools().get(0).inService()).containsExactly("192.0.2.12:1");
        assertThat(s.pools().get(0).connections()).isEmpty();
        assertThat(new AgentStatus.PoolStatus(20, List.of(), List.of(), false, List.of()).connections())
                .isEmpty();
    }

    @Test
    void connectionsRoundTrip() {
        AgentStatus.PoolStatus p = new AgentStatus.PoolStatus(
                20,
                List.of("192.0.2.12:1"),
                List.of(),
                false,
                List.of(),
                List.of(new AgentStatus.ServerConnections("192.0.2.12", 1, 42, 3)));
        AgentStatus s = new AgentStatus("dir-a", "apply", 3, 3, 0, 0, 0, null, null, List.of(p), null);
        AgentStatus back = Json.read(Json.write(s), AgentStatus.class);
        assertThat(back.pools().get(0).connections())
                .containsExactly(new AgentStatus.ServerConnections("192.0.2.12", 1, 42, 3));
    }
}
