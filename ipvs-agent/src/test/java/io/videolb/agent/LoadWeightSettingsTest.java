package io.videolb.agent;

import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.weights.LoadWeightSettings;
import io.videolb.agent.weights.LoadWeightSettings.Basis;
import io.videolb.agent.weights.LoadWeightSettings.PoolLoad;
import io.videolb.model.Fwmark;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-pool load-weight settings (issue 16): read whole per pool, every bad value refused naming the setting. */
class LoadWeightSettingsTest {
    static AgentSettings read(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("VIDEOLB_BOOTSTRAP", "k:9092");
        return AgentSettingsTest.read(env);
    }

    @Test
    void offByDefault() {
        assertThat(read(Map.of()).loadWeights()).isEqualTo(LoadWeightSettings.OFF);
        assertThat(read(Map.of()).loadWeights().on()).isFalse();
    }

    @Test
    void aPoolOptsInWithItsBasisAndCapacities() {
        LoadWeightSettings s = read(Map.of(
                        "VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS", "viewers",
                        "VIDEOLB_AGENT_POOL_10_CAPACITY", "500",
                        "VIDEOLB_AGENT_POOL_10_SERVER_CAPACITY", "192.0.2.11=1000, 192.0.2.12=250",
                        "VIDEOLB_AGENT_POOL_20_LOAD_WEIGHTS", "bandwidth",
                        "VIDEOLB_AGENT_POOL_20_CAPACITY", "10000000000",
                        "VIDEOLB_AGENT_POOL_30_LOAD_WEIGHTS", "off",
                        "VIDEOLB_LOAD_WEIGHT_HYSTERESIS_PCT", "15",
                        "VIDEOLB_LOAD_WEIGHT_MIN_INTERVAL_S", "5"))
                .loadWeights();
        assertThat(s.pools())
                .containsOnlyKeys(new Fwmark(10), new Fwmark(20))
                .containsEntry(
                        new Fwmark(10),
                        new PoolLoad(Basis.VIEWERS, 500, Map.of(ip("192.0.2.11"), 1000L, ip("192.0.2.12"), 250L)))
                .containsEntry(new Fwmark(20), new PoolLoad(Basis.BANDWIDTH, 10_000_000_000L, Map.of()));
        assertThat(s.pool(new Fwmark(10)).capacityOf(ip("192.0.2.13"))).isEqualTo(500);
        assertThat(s.hysteresisPercent()).isEqualTo(15);
        assertThat(s.minIntervalMs()).isEqualTo(5000);
    }

    @Test
    void badValuesAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS", "connections")))
                .hasMessageContaining("VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS")
                .hasMessageContaining("viewers, bandwidth or off");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS", "viewers")))
                .hasMessage("VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS=viewers needs VIDEOLB_AGENT_POOL_10_CAPACITY (each"
                        + " server's capacity in viewers)");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_AGENT_POOL_10_CAPACITY", "100")))
                .hasMessageContaining("set while VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS is off or unset");
        for (String bad : new String[] {"0", "-1", "1e3", "NaN", "1000000000000000001", "99999999999999999999", ""}) {
            assertThatThrownBy(() -> read(Map.of(
                            "VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS", "viewers", "VIDEOLB_AGENT_POOL_10_CAPACITY", bad)))
                    .as(bad)
                    .hasMessageContaining("VIDEOLB_AGENT_POOL_10_CAPACITY");
        }
        for (String bad : new String[] {
            "192.0.2.11", "192.0.2.11=0", "192.0.2.11=-5", "192.0.2.11=10,192.0.2.11=20", "host=10", "192.0.2.11=1.5"
        }) {
            assertThatThrownBy(() -> read(Map.of(
                            "VIDEOLB_AGENT_POOL_10_LOAD_WEIGHTS",
                            "viewers",
                            "VIDEOLB_AGENT_POOL_10_CAPACITY",
                            "10",
                            "VIDEOLB_AGENT_POOL_10_SERVER_CAPACITY",
                            bad)))
                    .as(bad)
                    .hasMessageContaining("VIDEOLB_AGENT_POOL_10_SERVER_CAPACITY");
        }
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_LOAD_WEIGHT_HYSTERESIS_PCT", "101")))
                .hasMessageContaining("VIDEOLB_LOAD_WEIGHT_HYSTERESIS_PCT");
        assertThatThrownBy(() -> read(Map.of(
                        "VIDEOLB_AGENT_POOL_9999999999_LOAD_WEIGHTS", "viewers",
                        "VIDEOLB_AGENT_POOL_9999999999_CAPACITY", "10")))
                .hasMessageContaining("VIDEOLB_AGENT_POOL_9999999999_LOAD_WEIGHTS: 9999999999 is not a fwmark");
    }
}
