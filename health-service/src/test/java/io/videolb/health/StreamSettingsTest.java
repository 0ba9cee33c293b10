package io.videolb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stats page and required streams, globally and per pool (issue 16), validated strictly. */
class StreamSettingsTest {
    static HealthServiceSettings read(String... kv) {
        Map<String, String> env = new HashMap<>();
        env.put("VIDEOLB_BOOTSTRAP", "b:1");
        env.put("VIDEOLB_HEALTH_CHECKER_ID", "hc-1");
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return HealthServiceSettings.read(SettingsReader.builder()
                .environment(env)
                .known(List.of(CommonSettings.DECLARED, HealthServiceSettings.DECLARED))
                .build());
    }

    @Test
    void offByDefault() {
        HealthServiceSettings s = read();
        assertThat(s.inventoryOn()).isFalse();
        assertThat(s.streamsFor(1)).isEqualTo(StreamSettings.OFF);
    }

    @Test
    void aPoolOverridesTheStatsUrlTurnsItOffAndHasItsOwnRequiredStreams() {
        HealthServiceSettings s = read(
                "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                "VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/cam1",
                "VIDEOLB_HEALTH_POOL_2_STATS_URL", "http://{ip}:9090/rtmp_stat",
                "VIDEOLB_HEALTH_POOL_2_REQUIRED_STREAMS", "live/cam7, live/cam8",
                "VIDEOLB_HEALTH_POOL_3_STATS_URL", "off",
                "VIDEOLB_HEALTH_POOL_3_REQUIRED_STREAMS", "none",
                "VIDEOLB_HEALTH_POOL_4_REQUIRED_STREAMS", "none");
        assertThat(s.inventoryOn()).isTrue();
        assertThat(s.streamsFor(1).statsUrl()).hasToString("http://{ip}:8080/stat");
        assertThat(s.streamsFor(1).required()).containsExactly("live/cam1");
        assertThat(s.streamsFor(2).statsUrl()).hasToString("http://{ip}:9090/rtmp_stat");
        assertThat(s.streamsFor(2).required()).containsExactly("live/cam7", "live/cam8");
        assertThat(s.streamsFor(3)).isEqualTo(StreamSettings.OFF);
        assertThat(s.streamsFor(4).statsUrl()).hasToString("http://{ip}:8080/stat");
        assertThat(s.streamsFor(4).required()).isEmpty();
        // a pool only with a stream setting keeps the global probe settings
        assertThat(s.settingsFor(4)).isEqualTo(s.defaults());
    }

    @Test
    void onlyAPoolsStatsUrlTurnsTheInventoryOn() {
        assertThat(read("VIDEOLB_HEALTH_POOL_7_STATS_URL", "http://{ip}:8080/stat")
                        .inventoryOn())
                .isTrue();
    }

    @Test
    void badStreamNamesAreRefusedNamingTheSettingAndTheItem() {
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/cam7,cam8"))
                .hasMessageContaining("VIDEOLB_HEALTH_REQUIRED_STREAMS")
                .hasMessageContaining("item 2 'cam8'");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_POOL_2_REQUIRED_STREAMS", "live/<script>"))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_REQUIRED_STREAMS");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/a/b"))
                .hasMessageContaining("item 1");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/cam7,live/cam7"))
                .hasMessageContaining("repeated");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/cam7,"))
                .hasMessageContaining("item 2");
        assertThatThrownBy(() -> read("VIDEOLB_HEALTH_POOL_2_STATS_URL", "https://{ip}/stat"))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_STATS_URL");
    }

    @Test
    void requiredStreamsWithoutAStatsPageAreAnError() {
        assertThatThrownBy(() -> read("VIDEOLB_HEALTH_REQUIRED_STREAMS", "live/cam7"))
                .hasMessageContaining("VIDEOLB_HEALTH_REQUIRED_STREAMS")
                .hasMessageContaining("stats page");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_POOL_2_STATS_URL", "off",
                        "VIDEOLB_HEALTH_POOL_2_REQUIRED_STREAMS", "live/cam7"))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_REQUIRED_STREAMS");
    }

    @Test
    void aPoolOverridesTheControlUrlTurnsItOffAndInheritsItOnlyWithAStatsPage() {
        HealthServiceSettings s = read(
                "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                "VIDEOLB_HEALTH_CONTROL_URL", "http://{ip}:8080/control",
                "VIDEOLB_HEALTH_POOL_2_CONTROL_URL", "http://{ip}:9090/rtmp_control",
                "VIDEOLB_HEALTH_POOL_3_CONTROL_URL", "off",
                "VIDEOLB_HEALTH_POOL_4_STATS_URL", "off",
                "VIDEOLB_HEALTH_POOL_5_STATS_URL", "http://{ip}:9090/stat");
        assertThat(s.handoverOn()).isTrue();
        assertThat(s.streamsFor(1).controlUrl()).hasToString("http://{ip}:8080/control");
        assertThat(s.streamsFor(2).controlUrl()).hasToString("http://{ip}:9090/rtmp_control");
        assertThat(s.streamsFor(2).statsUrl()).hasToString("http://{ip}:8080/stat");
        assertThat(s.streamsFor(3).controlUrl()).isNull();
        assertThat(s.streamsFor(3).statsUrl()).hasToString("http://{ip}:8080/stat");
        // a pool whose stats page is off does not inherit the global control URL: no stream names to drop
        assertThat(s.streamsFor(4)).isEqualTo(StreamSettings.OFF);
        assertThat(s.streamsFor(5).controlUrl()).hasToString("http://{ip}:8080/control");
        // a pool with its own stats page but no control URL anywhere: no handover
        HealthServiceSettings none = read("VIDEOLB_HEALTH_POOL_5_STATS_URL", "http://{ip}:9090/stat");
        assertThat(none.handoverOn()).isFalse();
        assertThat(none.streamsFor(5).controlUrl()).isNull();
    }

    @Test
    void onlyAPoolsControlUrlTurnsTheHandoverOn() {
        HealthServiceSettings s = read(
                "VIDEOLB_HEALTH_POOL_7_STATS_URL", "http://{ip}:8080/stat",
                "VIDEOLB_HEALTH_POOL_7_CONTROL_URL", "http://{ip}:8080/control");
        assertThat(s.handoverOn()).isTrue();
        assertThat(s.controlUrl()).isNull();
        assertThat(s.defaultStreams().controlUrl()).isNull();
        assertThat(s.streamsFor(7).controlUrl().port()).isEqualTo(8080);
        assertThat(s.streamsFor(7).controlUrl().path()).isEqualTo("/control");
        assertThat(s.streamsFor(1).controlUrl()).isNull();
    }

    @Test
    void aPoolsControlUrlIsStrictAndNeedsThePoolsStatsPage() {
        for (String bad : List.of(
                "https://{ip}:8080/control",
                "http://198.51.100.1:8080/control",
                "http://{ip}:8080/control?app=live",
                "http://{ip}:8080/control#x",
                "http://{ip}:8080/c%6Fntrol",
                "http://{ip}:0/control",
                "http://{ip}:8080/con trol",
                "on"))
            assertThatThrownBy(() -> read(
                            "VIDEOLB_HEALTH_STATS_URL",
                            "http://{ip}:8080/stat",
                            "VIDEOLB_HEALTH_POOL_2_CONTROL_URL",
                            bad))
                    .as(bad)
                    .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_CONTROL_URL");
        assertThatThrownBy(() -> read("VIDEOLB_HEALTH_POOL_2_CONTROL_URL", "http://{ip}:8080/control"))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_CONTROL_URL needs the pool's stats page")
                .hasMessageContaining("VIDEOLB_HEALTH_STATS_URL or VIDEOLB_HEALTH_POOL_2_STATS_URL");
        assertThatThrownBy(() -> read(
                        "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                        "VIDEOLB_HEALTH_POOL_2_STATS_URL", "off",
                        "VIDEOLB_HEALTH_POOL_2_CONTROL_URL", "http://{ip}:8080/control"))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_CONTROL_URL needs the pool's stats page")
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_STATS_URL is off");
        // off needs no stats page
        assertThat(read("VIDEOLB_HEALTH_POOL_2_CONTROL_URL", "off").handoverOn())
                .isFalse();
    }
}
