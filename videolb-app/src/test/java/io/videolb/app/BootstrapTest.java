package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootstrapTest {
    @TempDir
    Path data;

    private String resolve(String option, Map<String, String> env) {
        SettingsReader.Builder b = SettingsReader.builder()
                .environment(env)
                .known(CliSettings.ALL)
                .flag("--bootstrap", option)
                .flag("--data-dir", data);
        return Bootstrap.resolve(Bootstrap.withStandaloneFallback(b));
    }

    @Test
    void theOptionWinsOverEnvironmentAndFile() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:3\n");
        assertThat(resolve("127.0.0.1:1", Map.of("VIDEOLB_BOOTSTRAP", "127.0.0.1:2")))
                .isEqualTo("127.0.0.1:1");
        assertThat(resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "127.0.0.1:2"))).isEqualTo("127.0.0.1:2");
    }

    @Test
    void theOldNameIsStillReadAndMustAgreeWithTheNewOne() {
        assertThat(resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "a:1", "VIDEOLB_KAFKA_BOOTSTRAP", "a:1")))
                .isEqualTo("a:1");
        assertThat(resolve(null, Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "b:2"))).isEqualTo("b:2");
        assertThatThrownBy(() -> resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "a:1", "VIDEOLB_KAFKA_BOOTSTRAP", "b:2")))
                .hasMessageStartingWith(
                        "VIDEOLB_KAFKA_BOOTSTRAP='b:2': must be unset or equal to VIDEOLB_BOOTSTRAP='a:1'");
    }

    @Test
    void theOldNameWinsOverARunningStandalonesFile() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:3\n");
        assertThat(resolve(null, Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "b:2"))).isEqualTo("b:2");
    }

    @Test
    void aRunningStandalonesBootstrapFileIsTheLastFallback() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:40123\n");
        assertThat(resolve(null, Map.of())).isEqualTo("127.0.0.1:40123");
        assertThat(resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "")))
                .as("empty is unset")
                .isEqualTo("127.0.0.1:40123");
    }

    @Test
    void aStandalonesBrokerHasOneReplicaAnyOtherTheSettingsReplication() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:40125\n");
        SettingsReader standalone = Bootstrap.withStandaloneFallback(SettingsReader.builder()
                .environment(Map.of())
                .known(CliSettings.ALL)
                .flag("--data-dir", data));
        assertThat(io.videolb.runtime.settings.CommonSettings.topicReplication(standalone))
                .isEqualTo(io.videolb.kafka.TopicReplication.SINGLE);
        SettingsReader cluster = Bootstrap.withStandaloneFallback(SettingsReader.builder()
                .environment(Map.of())
                .known(CliSettings.ALL)
                .flag("--bootstrap", "kafka1:9092,kafka2:9092")
                .flag("--data-dir", data));
        assertThat(io.videolb.runtime.settings.CommonSettings.topicReplication(cluster))
                .as("a broker given, even beside a standalone's data dir")
                .isEqualTo(io.videolb.kafka.TopicReplication.CLUSTER);
    }

    @Test
    void theDataDirComesFromTheEnvironmentToo() throws Exception {
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "127.0.0.1:40124\n");
        SettingsReader.Builder b = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_DATA_DIR", data.toString()))
                .known(List.of());
        assertThat(Bootstrap.resolve(Bootstrap.withStandaloneFallback(b))).isEqualTo("127.0.0.1:40124");
    }

    @Test
    void nothingGivenSaysWhereItLooked() {
        assertThatThrownBy(() -> resolve(null, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--bootstrap")
                .hasMessageContaining("VIDEOLB_BOOTSTRAP")
                .hasMessageContaining("kafka-bootstrap");
    }

    @Test
    void aMalformedValueIsRefusedNamingWhereItCameFrom() throws Exception {
        assertThatThrownBy(() -> resolve("-Dx=1", Map.of()))
                .hasMessage("--bootstrap='-Dx=1': must be HOST:PORT[,HOST:PORT...] (port 1..65535)");
        assertThatThrownBy(() -> resolve(null, Map.of("VIDEOLB_BOOTSTRAP", "host:1\nflush")))
                .hasMessageStartingWith("VIDEOLB_BOOTSTRAP='host:1\\nflush': must be");
        assertThatThrownBy(() -> resolve("host:70000", Map.of())).hasMessageContaining("1..65535");
        assertThat(resolve("k1.example:9092,k2.example:9092", Map.of())).isEqualTo("k1.example:9092,k2.example:9092");
        Files.writeString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE), "garbage\n");
        assertThatThrownBy(() -> resolve(null, Map.of()))
                .hasMessageContaining(
                        data.resolve(StandaloneRuntime.BOOTSTRAP_FILE).toString());
    }
}
