package io.videolb.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.ProbeLevel;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthServiceSettingsTest {
    static HealthServiceSettings read(Map<String, String> env) {
        return HealthServiceSettings.read(SettingsReader.builder()
                .environment(env)
                .known(List.of(CommonSettings.DECLARED, HealthServiceSettings.DECLARED))
                .build());
    }

    @Test
    void aPoolInheritsTheDefaultsAndOverridesWhatItSets() {
        HealthServiceSettings s = read(Map.of(
                "VIDEOLB_BOOTSTRAP",
                "b:1",
                "VIDEOLB_HEALTH_INTERVAL_MS",
                "1600",
                "VIDEOLB_HEALTH_RTMP_APP",
                "live",
                "VIDEOLB_HEALTH_POOL_2_LEVEL",
                "HLS",
                "VIDEOLB_HEALTH_POOL_2_RTMP_APP",
                "off",
                "VIDEOLB_HEALTH_POOL_3_FALL",
                "5"));
        assertThat(s.defaults().interval()).isEqualTo(Duration.ofMillis(1600));
        assertThat(s.defaults().rtmpApp()).isEqualTo("live");
        assertThat(s.pools()).containsOnlyKeys(2L, 3L);
        assertThat(s.settingsFor(2).level()).isEqualTo(ProbeLevel.HLS);
        assertThat(s.settingsFor(2).rtmpApp())
                .as("off switches the connect check off in pool 2")
                .isNull();
        assertThat(s.settingsFor(2).interval()).isEqualTo(Duration.ofMillis(1600));
        assertThat(s.settingsFor(3).fall()).isEqualTo(5);
        assertThat(s.settingsFor(3).rtmpApp()).isEqualTo("live");
        assertThat(s.groupId()).isEqualTo("videolb.health-checkers");
    }

    @Test
    void errorsNameTheVariable() {
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_INTERVAL_MS", "2s")))
                .hasMessage("VIDEOLB_HEALTH_INTERVAL_MS='2s': must be an integer 100..600000");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_POOL_4_LEVEL", "udp")))
                .hasMessage("VIDEOLB_HEALTH_POOL_4_LEVEL='udp': must be one of TCP, RTMP, HLS");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_POOL_4_TIMEOUT_MS", "5000")))
                .hasMessageStartingWith("VIDEOLB_HEALTH_POOL_4_*: timeout must be 1 ms..interval");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_ENDPOINTS", "198.51.100.1")))
                .hasMessageStartingWith(
                        "VIDEOLB_HEALTH_ENDPOINTS='198.51.100.1': must be SERVER=IP:RTMPPORT:HTTPPORT[,...]");
    }

    @Test
    void theCheckerIdIsStableAcrossRestartsByDefaultTheHostName() {
        HealthServiceSettings a = read(Map.of("VIDEOLB_BOOTSTRAP", "b:1"));
        HealthServiceSettings b = read(Map.of("VIDEOLB_BOOTSTRAP", "b:1"));
        assertThat(a.checkerId()).isEqualTo(b.checkerId()).isEqualTo(HealthServiceSettings.defaultCheckerId());
        assertThat(a.checkerId()).doesNotContain("@").matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        assertThat(HealthServiceSettings.checkerIdFromHost("director-1")).isEqualTo("director-1");
        assertThat(HealthServiceSettings.checkerIdFromHost("lb1.example.org")).isEqualTo("lb1.example.org");
        assertThat(HealthServiceSettings.checkerIdFromHost("a".repeat(60) + ".example.org"))
                .as("too long whole: its first label")
                .isEqualTo("a".repeat(60));
        assertThatThrownBy(() -> HealthServiceSettings.checkerIdFromHost("x".repeat(70) + ".example.org"))
                .hasMessageContaining("VIDEOLB_HEALTH_CHECKER_ID");
    }

    @Test
    void aHostNameThatIsNoCheckerIdIsAnErrorNamingTheSetting() {
        assertThatThrownBy(() -> HealthServiceSettings.checkerIdFromHost("-bad host"))
                .hasMessageContaining("VIDEOLB_HEALTH_CHECKER_ID")
                .hasMessageContaining("'-bad host'");
        assertThat(HealthServiceSettings.checkerIdFromHost("a_b")).isEqualTo("a_b");
    }

    @Test
    void anExplicitCheckerIdIsValidatedAndKept() {
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_CHECKER_ID", "hs-a"))
                        .checkerId())
                .isEqualTo("hs-a");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_CHECKER_ID", "a/b")))
                .hasMessageContaining("VIDEOLB_HEALTH_CHECKER_ID");
    }

    @Test
    void theHeartbeatHasADefaultAndABound() {
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "b:1")).heartbeat()).isEqualTo(Duration.ofSeconds(2));
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_HEARTBEAT_MS", "500"))
                        .heartbeat())
                .isEqualTo(Duration.ofMillis(500));
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_HEARTBEAT_MS", "50")))
                .hasMessageContaining("VIDEOLB_HEALTH_HEARTBEAT_MS");
    }

    @Test
    void theControlUrlIsOffByDefaultStrictAndNeedsTheStatsUrl() {
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "b:1")).controlUrl()).isNull();
        HealthServiceSettings s = read(Map.of(
                "VIDEOLB_BOOTSTRAP", "b:1",
                "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                "VIDEOLB_HEALTH_CONTROL_URL", "http://{ip}:8080/control"));
        assertThat(s.controlUrl().port()).isEqualTo(8080);
        assertThat(s.controlUrl().path()).isEqualTo("/control");
        assertThatThrownBy(() -> read(
                        Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_CONTROL_URL", "http://{ip}:8080/control")))
                .hasMessageContaining("VIDEOLB_HEALTH_CONTROL_URL needs VIDEOLB_HEALTH_STATS_URL");
        for (String bad : List.of(
                "https://{ip}:8080/control",
                "http://198.51.100.1:8080/control",
                "http://{ip}:8080/control?app=live",
                "http://{ip}:8080/control#x",
                "http://{ip}:8080/c%6Fntrol",
                "http://{ip}:0/control"))
            assertThatThrownBy(() -> read(Map.of(
                            "VIDEOLB_BOOTSTRAP", "b:1",
                            "VIDEOLB_HEALTH_STATS_URL", "http://{ip}:8080/stat",
                            "VIDEOLB_HEALTH_CONTROL_URL", bad)))
                    .as(bad)
                    .hasMessageContaining("VIDEOLB_HEALTH_CONTROL_URL");
    }

    @Test
    void onlyUrlSafeNamesMayGoIntoAControlUrl() {
        assertThat(io.videolb.health.probe.Prober.urlSafeName("cam-7_a.b~c")).isTrue();
        for (String bad : new String[] {null, "", "a&name=", "a=b", "a%26", "a b", "a/b", "a#", "x".repeat(257)})
            assertThat(io.videolb.health.probe.Prober.urlSafeName(bad))
                    .as(String.valueOf(bad))
                    .isFalse();
    }

    @Test
    void theLagWatchIsSetByTwoSettingsCheckedWithTheirNames() {
        HealthServiceSettings d = read(Map.of("VIDEOLB_BOOTSTRAP", "b:1"));
        assertThat(d.lagThreshold()).isEqualTo(Duration.ofMillis(250));
        assertThat(d.lagSustain()).isEqualTo(Duration.ofSeconds(5));
        HealthServiceSettings s = read(Map.of(
                "VIDEOLB_BOOTSTRAP", "b:1",
                "VIDEOLB_HEALTH_LAG_THRESHOLD_MS", "1000",
                "VIDEOLB_HEALTH_LAG_SUSTAIN_MS", "8000"));
        assertThat(s.lagThreshold()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.lagSustain()).isEqualTo(Duration.ofSeconds(8));
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_LAG_THRESHOLD_MS", "5")))
                .hasMessage("VIDEOLB_HEALTH_LAG_THRESHOLD_MS='5': must be an integer 10..60000");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_LAG_SUSTAIN_MS", "5s")))
                .hasMessage("VIDEOLB_HEALTH_LAG_SUSTAIN_MS='5s': must be an integer 500..600000");
    }

    @Test
    void thePlayStreamIsSetPerPoolValidatedAndNeedsAnApp() {
        HealthServiceSettings s = read(Map.of(
                "VIDEOLB_BOOTSTRAP", "b:1",
                "VIDEOLB_HEALTH_RTMP_APP", "live",
                "VIDEOLB_HEALTH_POOL_2_RTMP_PLAY_STREAM", "cam7"));
        assertThat(s.defaults().rtmpPlayStream()).isNull();
        assertThat(s.settingsFor(2).rtmpPlayStream()).isEqualTo("cam7");
        assertThat(s.settingsFor(2).rtmpApp()).isEqualTo("live");
        assertThatThrownBy(() -> read(Map.of(
                        "VIDEOLB_BOOTSTRAP", "b:1",
                        "VIDEOLB_HEALTH_RTMP_APP", "live",
                        "VIDEOLB_HEALTH_POOL_2_RTMP_PLAY_STREAM", "cam 7")))
                .hasMessageContaining("VIDEOLB_HEALTH_POOL_2_RTMP_PLAY_STREAM");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_HEALTH_RTMP_PLAY_STREAM", "cam7")))
                .hasMessageContaining("needs rtmpApp");
    }
}
