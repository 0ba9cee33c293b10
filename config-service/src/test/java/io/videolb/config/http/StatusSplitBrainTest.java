package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.events.AgentStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/status} shows who holds the VIP and a split brain (issue 10). */
class StatusSplitBrainTest {
    static AgentStatus status(String dir, String state, long since, long publishedAt) {
        return new AgentStatus(
                dir,
                "apply",
                1,
                1,
                publishedAt,
                publishedAt,
                0,
                null,
                null,
                null,
                null,
                new AgentStatus.DirectorHa(state, state.equals("MASTER"), since, "off", 0, "x", since, "why", ""),
                null,
                null);
    }

    @Test
    void bothHoldingIsShown() {
        JsonNode o = Views.status(
                1,
                null,
                Map.of(),
                Map.of(),
                Map.of("a", status("a", "MASTER", 1_000, 9_000), "b", status("b", "MASTER", 2_000, 9_000)));
        assertThat(o.path("vip").path("splitBrain").asBoolean()).isTrue();
        assertThat(o.path("vip").path("splitBrainDirectors").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(o.path("directors").get(0).path("ha").path("vrrpState").asText())
                .isEqualTo("MASTER");
    }

    @Test
    void oneHolderIsNot() {
        JsonNode o = Views.status(
                1,
                null,
                Map.of(),
                Map.of(),
                Map.of("a", status("a", "BACKUP", 1_000, 9_000), "b", status("b", "MASTER", 2_000, 9_000)));
        assertThat(o.path("vip").path("splitBrain").asBoolean()).isFalse();
        assertThat(o.path("vip").path("holders").toString()).isEqualTo("[\"b\"]");
    }
}
