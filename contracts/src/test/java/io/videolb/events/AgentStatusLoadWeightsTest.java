package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Load-fed weights in a pool's status (issue 16, decision 100) are an optional field: a status from an agent before
 * them reads with none, and a new one round-trips.
 */
class AgentStatusLoadWeightsTest {

    @Test
    void aPoolStatusFromAnOlderAgentReadsWithoutLoadWeights() {
        String old = "{\"director\":\"dir-a\",\"mode\":\"apply\",\"appliedGeneration\":3,\"desiredGeneration\":3,"
                + "\"pools\":[{\"mark\":20,\"inService\":[\"192.0.2.12:1\"],\"substitutions\":[],\"panic\":false,"
                + "\"down\":[],\"connections\":[]}],\"drains\":[]}";
        AgentStatus s = Json.read(old, AgentStatus.class);
        assertThat(s.pools().get(0).loadWeights()).isEmpty();
        assertThat(new AgentStatus.PoolStatus(20, List.of(), List.of(), false, List.of(), List.of()).loadWeights())
                .isEmpty();
    }

    @Test
    void loadWeightsRoundTrip() {
        AgentStatus.LoadWeight w =
                new AgentStatus.LoadWeight("192.0.2.12", "viewers", 460, 1000, 50, 54, "held: within 10 % of 50");
        AgentStatus.PoolStatus p = new AgentStatus.PoolStatus(
                20, List.of("192.0.2.12:50"), List.of(), false, List.of(), List.of(), List.of(), List.of(w));
        AgentStatus s = new AgentStatus("dir-a", "apply", 3, 3, 0, 0, 0, null, null, List.of(p), null);
        String json = Json.write(s);
        assertThat(json).contains("\"loadWeights\":[{\"server\":\"192.0.2.12\",\"basis\":\"viewers\",\"load\":460");
        assertThat(Json.read(json, AgentStatus.class).pools().get(0).loadWeights())
                .containsExactly(w);
    }
}
