package io.videolb.app;

import static io.videolb.app.ImportCommand.Route.API;
import static io.videolb.app.ImportCommand.Route.KAFKA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.runtime.settings.SettingsReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where `videolb import DIR` sends the files. */
class ImportRouteTest {
    static final Map<String, String> NONE = Map.of();

    @Test
    void theAdminApiWhenOneIsNamedOrAStandaloneRunsElseKafka() {
        assertThat(ImportCommand.route("https://lb1:8443", null, false, false)).isEqualTo(API);
        assertThat(ImportCommand.route(null, null, apiSet(Map.of("VIDEOLB_API", "http://127.0.0.1:8088")), false))
                .isEqualTo(API);
        assertThat(ImportCommand.route(null, null, false, true))
                .as("next to a running standalone")
                .isEqualTo(API);
        assertThat(ImportCommand.route(null, null, apiSet(Map.of("VIDEOLB_API", " ")), false))
                .isEqualTo(KAFKA);
        assertThat(ImportCommand.route(null, null, apiSet(NONE), false))
                .as("nothing names an API: bootstrap a cluster")
                .isEqualTo(KAFKA);
        assertThat(ImportCommand.route(null, "kafka1:9092", true, true))
                .as("--bootstrap is explicit")
                .isEqualTo(KAFKA);
        assertThatThrownBy(() -> ImportCommand.route("http://x:1", "kafka1:9092", false, false))
                .hasMessageContaining("not both");
    }

    private static boolean apiSet(Map<String, String> env) {
        return SettingsReader.builder()
                .environment(env)
                .build()
                .find(CliSettings.API)
                .isPresent();
    }
}
