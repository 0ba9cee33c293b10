package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.events.AgentStatus;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The agents' load-fed weights (issue 16) reach {@code /api/v1/status} and a client's explanation. */
class StatusLoadWeightsTest {
    static final AgentStatus.LoadWeight W =
            new AgentStatus.LoadWeight("192.0.2.12", "viewers", 500, 1000, 50, 50, "changed from 100");

    static AgentStatus agent(List<AgentStatus.LoadWeight> weights) {
        return new AgentStatus(
                "dir-a",
                "apply",
                1,
                1,
                0,
                0,
                0,
                null,
                null,
                List.of(new AgentStatus.PoolStatus(
                        20, List.of("192.0.2.12:50"), List.of(), false, List.of(), List.of(), List.of(), weights)),
                null);
    }

    @Test
    void statusAndExplainCarryTheWeights() {
        JsonNode status = Views.status(1, null, Map.of(), Map.of(), Map.of("dir-a", agent(List.of(W))));
        JsonNode row = status.path("directors")
                .get(0)
                .path("pools")
                .get(0)
                .path("loadWeights")
                .get(0);
        assertThat(row.path("server").asText()).isEqualTo("192.0.2.12");
        assertThat(row.path("weight").asInt()).isEqualTo(50);
        assertThat(row.path("note").asText()).isEqualTo("changed from 100");

        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        pools.put(
                new Fwmark(20),
                new Pool(new Fwmark(20), Scheduler.WLC, List.of(new RealServer(Ipv4Address.parse("192.0.2.12"), 1))));
        DesiredState s = new DesiredState(
                new ClusterParams(
                        Ipv4Address.parse("192.0.2.10"),
                        Ipv4Network.parse("203.0.113.0/24"),
                        List.of(),
                        300,
                        new Fwmark(20),
                        Scheduler.WLC),
                new TreeMap<>(),
                pools,
                new TreeMap<>());
        JsonNode e =
                Views.explain(1, s, Ipv4Address.parse("203.0.113.7"), Map.of(), Map.of("dir-a", agent(List.of(W))));
        assertThat(e.path("directors")
                        .get(0)
                        .path("loadWeights")
                        .get(0)
                        .path("weight")
                        .asInt())
                .isEqualTo(50);
        JsonNode none =
                Views.explain(1, s, Ipv4Address.parse("203.0.113.7"), Map.of(), Map.of("dir-a", agent(List.of())));
        assertThat(none.path("directors").get(0).has("loadWeights"))
                .as("absent where the pool keeps its weights")
                .isFalse();
    }
}
