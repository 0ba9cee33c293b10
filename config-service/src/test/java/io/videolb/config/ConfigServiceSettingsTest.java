package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.http.AdminApiSettings;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigServiceSettingsTest {
    static ConfigServiceSettings read(Map<String, String> env, String httpPortFlag) {
        return ConfigServiceSettings.read(SettingsReader.builder()
                .environment(env)
                .flag("--http-port", httpPortFlag)
                .known(List.of(CommonSettings.DECLARED, ConfigServiceSettings.DECLARED, AdminApiSettings.DECLARED))
                .build());
    }

    @Test
    void withoutATokenFileOnlyHealthAndReadyOn8181() {
        ConfigServiceSettings s = read(Map.of("VIDEOLB_BOOTSTRAP", "k:1"), null);
        assertThat(s.adminApi()).isEmpty();
        assertThat(s.httpPort()).isEqualTo(8181);
        assertThat(s.importDir()).isEmpty();
    }

    @Test
    void withATokenFileTheOnePortIsTheApisUnlessTheServiceSaysOtherwise() {
        Map<String, String> env = Map.of(
                "VIDEOLB_BOOTSTRAP",
                "k:1",
                "VIDEOLB_API_TOKENS",
                "/etc/videolb/api-tokens",
                "VIDEOLB_API_HOST",
                "0.0.0.0",
                "VIDEOLB_API_INSECURE_HTTP", // plain HTTP beyond loopback must be asked for (decision 89)
                "true",
                "VIDEOLB_CONFIG_DIR",
                "/etc/videolb/csv");
        ConfigServiceSettings s = read(env, null);
        assertThat(s.adminApi().orElseThrow().tokenFile()).isEqualTo(Path.of("/etc/videolb/api-tokens"));
        assertThat(s.httpHost()).isEqualTo("0.0.0.0");
        assertThat(s.httpPort()).isEqualTo(8088);
        assertThat(s.importDir()).contains(Path.of("/etc/videolb/csv"));
        assertThat(read(env, "9000").httpPort()).isEqualTo(9000);
    }
}
