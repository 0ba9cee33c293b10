package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.events.AgentStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/status} per server (issue 15): active and inactive connections summed over the directors that
 * report them, and which failed servers a backup stands in for (from the directors' substitutions).
 */
class StatusConnectionsTest {
    static AgentStatus agent(String dir, List<AgentStatus.ServerConnections> conns, List<String> subs) {
        return new AgentStatus(
                dir,
                "apply",
                1,
                1,
                0,
                0,
                0,
                null,
                null,
                List.of(new AgentStatus.PoolStatus(20, List.of(), subs, false, List.of(), conns)),
                null);
    }

    static JsonNode server(JsonNode status, String address) {
        for (JsonNode s : status.path("servers")) if (s.path("server").asText().equals(address)) return s;
        throw new AssertionError("no server " + address + " in " + status);
    }

    @Test
    void connectionsAreSummedOverDirectorsAndStandInsNamed() {
        JsonNode o = Views.status(
                1,
                null,
                Map.of(),
                Map.of(),
                Map.of(
                        "a",
                        agent(
                                "a",
                                List.of(new AgentStatus.ServerConnections("192.0.2.22", 1, 7, 2)),
                                List.of("192.0.2.12->192.0.2.22", "192.0.2.13->192.0.2.22 (maintenance)")),
                        "b",
                        agent(
                                "b",
                                List.of(
                                        new AgentStatus.ServerConnections("192.0.2.22", 1, 4, 1),
                                        new AgentStatus.ServerConnections("192.0.2.11", 1, 0, 0)),
                                List.of("192.0.2.12->192.0.2.22 (hold-down)"))));
        JsonNode b = server(o, "192.0.2.22");
        assertThat(b.path("activeConns").asLong()).isEqualTo(11);
        assertThat(b.path("inactiveConns").asLong()).isEqualTo(3);
        assertThat(b.path("standingInFor").toString()).isEqualTo("[\"192.0.2.12\",\"192.0.2.13\"]");
        assertThat(server(o, "192.0.2.11").path("activeConns").asLong()).isZero();
        assertThat(server(o, "192.0.2.11").has("standingInFor")).isFalse();
    }

    @Test
    void noCountsReportedNoField() {
        JsonNode o = Views.status(
                1,
                null,
                Map.of(
                        "192.0.2.12",
                        new io.videolb.events.HealthVerdict(
                                io.videolb.model.Ipv4Address.parse("192.0.2.12"),
                                io.videolb.events.Verdict.UP,
                                io.videolb.events.ProbeLevel.RTMP,
                                "ok",
                                0,
                                "hc-1",
                                1,
                                1)),
                Map.of(),
                Map.of("a", agent("a", List.of(), List.of())));
        assertThat(server(o, "192.0.2.12").has("activeConns")).isFalse();
    }
}
