package io.videolb.config.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.videolb.events.AgentStatus;
import org.junit.jupiter.api.Test;

/** `videolb status` prints each load-fed weight (issue 16) from the status the admin API serves. */
class LoadWeightLineTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWeightWithItsLoadCapacityTargetAndWhyItIsHeld() {
        var held = new AgentStatus.LoadWeight("192.0.2.12", "viewers", 3, 6, 50, 67, "held: least interval");
        assertThat(CliVerbs.loadWeightLine(20, JSON.valueToTree(held)))
                .isEqualTo("  pool 20: 192.0.2.12 weight 50 from viewers 3 of capacity 6 (target 67; held: least"
                        + " interval)");
        var settled = new AgentStatus.LoadWeight("192.0.2.13", "bandwidth", 2_000_000, 10_000_000, 80, 80, "");
        assertThat(CliVerbs.loadWeightLine(20, JSON.valueToTree(settled)))
                .isEqualTo("  pool 20: 192.0.2.13 weight 80 from bandwidth 2000000 of capacity 10000000 (target 80)");
    }
}
