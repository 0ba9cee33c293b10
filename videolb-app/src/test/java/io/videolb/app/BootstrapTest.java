package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
    @TempDir
    Path data;

    @Test
    void theOptionWinsOverEnvironmentAndFile() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:3\n");
        assertThat(Bootstrap.resolve("127.0.0.1:1", Map.of("VIDEOLB_BOOTSTRAP", "127.0.0.1:2"), data)).isEqualTo("127.0.0.1:1");
    }

    @Test
    void videolbBootstrapComesBeforeTheAlertServicesOlderName() {
        assertThat(Bootstrap.resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "a:1", "VIDEOLB_KAFKA_BOOTSTRAP", "b:2"), data)).isEqualTo("a:1");
        assertThat(Bootstrap.resolve(null, Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "b:2"), data)).isEqualTo("b:2");
    }

    @Test
    void aRunningStandalonesBootstrapFileIsTheLastFallback() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:40123\n");
        assertThat(Bootstrap.resolve(null, Map.of(), data)).isEqualTo("127.0.0.1:40123");
    }

    @Test
    void nothingGivenSaysWhereItLooked() {
        assertThatThrownBy(() -> Bootstrap.resolve(null, Map.of(), data)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--bootstrap").hasMessageContaining("VIDEOLB_BOOTSTRAP").hasMessageContaining("kafka-bootstrap");
    }

    @Test
    void aMalformedValueIsRefusedNamingWhereItCameFrom() {
        assertThatThrownBy(() -> Bootstrap.resolve("-Dx=1", Map.of(), data)).hasMessageStartingWith("--bootstrap:");
        assertThatThrownBy(() -> Bootstrap.resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "host:1\nflush"), data))
                .hasMessageStartingWith("VIDEOLB_BOOTSTRAP:");
        assertThatThrownBy(() -> Bootstrap.resolve("host:70000", Map.of(), data)).hasMessageContaining("1..65535");
        assertThat(Bootstrap.resolve("k1.example:9092,k2.example:9092", Map.of(), data)).isEqualTo("k1.example:9092,k2.example:9092");
    }

    @Test
    void theOverlaySetsEveryServicesBootstrapVariableAndThePrefix() {
        Map<String, String> m = Bootstrap.overlay(Map.of("OTHER", "x", "VIDEOLB_BOOTSTRAP", "old:1"), "new:2", "lab");
        assertThat(m).containsEntry("VIDEOLB_BOOTSTRAP", "new:2").containsEntry("VIDEOLB_KAFKA_BOOTSTRAP", "new:2")
                .containsEntry("VIDEOLB_TOPIC_PREFIX", "lab").containsEntry("OTHER", "x");
    }
}
