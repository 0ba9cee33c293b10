package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.agent.apply.SyncDaemon;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentSettingsTest {
    static AgentSettings read(Map<String, String> env) {
        return AgentSettings.read(SettingsReader.builder()
                .environment(env)
                .known(List.of(CommonSettings.DECLARED, AgentSettings.DECLARED))
                .build());
    }

    @Test
    void theDefaultsAreARealDirectors() {
        AgentSettings s = read(Map.of("VIDEOLB_BOOTSTRAP", "k:9092"));
        assertThat(s)
                .isEqualTo(AgentSettings.builder()
                        // read from settings: the topic replication's defaults are three brokers' (decision 82)
                        .kafka(new io.videolb.runtime.settings.KafkaConnection(
                                "k:9092",
                                io.videolb.kafka.KafkaClientProperties.NONE,
                                io.videolb.kafka.TopicReplication.CLUSTER))
                        .director(s.director())
                        .build());
        assertThat(s.ipvsRules()).isEqualTo(Path.of("/etc/ipvsadm.rules"));
        assertThat(s.httpPort()).isEqualTo(9102);
        assertThat(s.httpHost())
                .as("loopback unless told: /health and /metrics stay on the director")
                .isEqualTo("127.0.0.1");
    }

    @Test
    void everyVariableReachesItsField() {
        AgentSettings s = read(Map.ofEntries(
                Map.entry("VIDEOLB_BOOTSTRAP", "k:9092"),
                Map.entry("VIDEOLB_DIRECTOR", "lb-2"),
                Map.entry("VIDEOLB_TOPIC_PREFIX", "lab"),
                Map.entry("VIDEOLB_CHAIN", "LB"),
                Map.entry("VIDEOLB_SET", "cl"),
                Map.entry("VIDEOLB_PORTS", "1935, 443"),
                Map.entry("VIDEOLB_PANIC_SHARE", "0.25"),
                Map.entry("VIDEOLB_DRAIN_TIMEOUT_S", "20"),
                Map.entry("VIDEOLB_HOLD_DOWN_S", "5"),
                Map.entry("VIDEOLB_IPVS_RULES", "off"),
                Map.entry("VIDEOLB_IPSET_RULES", "/tmp/ipsets"),
                Map.entry("VIDEOLB_SYNC_ROLE", "master"),
                Map.entry("VIDEOLB_SYNC_IFACE", "lan0"),
                Map.entry("VIDEOLB_SYNC_ID", "7"),
                Map.entry("VIDEOLB_HTTP_PORT", "-1"),
                Map.entry("VIDEOLB_RESYNC_S", "10"),
                Map.entry("VIDEOLB_PLAN_ONLY", "true")));
        assertThat(s.director()).isEqualTo("lb-2");
        assertThat(s.topics().prefix()).isEqualTo("lab");
        assertThat(s.names().chain()).isEqualTo("LB");
        assertThat(s.names().tempSet()).isEqualTo("cl-tmp");
        assertThat(s.names().ports()).containsExactly(1935, 443);
        assertThat(s.policy().panicShare()).isEqualTo(0.25);
        assertThat(s.policy().drainTimeoutMs()).isEqualTo(20_000);
        assertThat(s.policy().holdDownMs()).isEqualTo(5_000);
        assertThat(s.ipvsRules()).isNull();
        assertThat(s.ipsetRules()).isEqualTo(Path.of("/tmp/ipsets"));
        assertThat(s.sync()).isEqualTo(new SyncDaemon(SyncDaemon.Role.MASTER, "lan0", 7));
        assertThat(s.httpPort()).isEqualTo(-1);
        assertThat(s.resync()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.planOnly()).isTrue();
    }

    @Test
    void errorsNameTheVariableTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_PORTS", "1935,http")))
                .hasMessage("VIDEOLB_PORTS='1935,http': must be 1..15 comma-separated ports 1..65535");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_PLAN_ONLY", "yes")))
                .hasMessage("VIDEOLB_PLAN_ONLY='yes': must be true or false");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_SYNC_ROLE", "primary")))
                .hasMessageStartingWith("VIDEOLB_SYNC_ROLE='primary': must be master, backup, both or none");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_PANIC_SHARE", "0")))
                .hasMessage("VIDEOLB_PANIC_SHARE='0': must be a number in (0,1]");
    }

    @Test
    void twoDirectorsSyncSettingsReachTheDaemonAndCrossChecksNameTheSettings() {
        AgentSettings s = read(Map.of(
                "VIDEOLB_BOOTSTRAP", "k:1",
                "VIDEOLB_SYNC_ROLE", "both",
                "VIDEOLB_SYNC_ID", "1",
                "VIDEOLB_SYNC_PEER_ID", "2",
                "VIDEOLB_SYNC_SLOPPY_TCP", "false",
                "VIDEOLB_SYNC_THRESHOLD", "2 20",
                "VIDEOLB_SYNC_PERSIST_MODE", "1"));
        assertThat(s.sync())
                .isEqualTo(new SyncDaemon(SyncDaemon.Role.BOTH, "eth0", 1, 2, new SyncDaemon.Tuning(false, 2, 20, 1)));
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "k:1")).sync().tuning()).isEqualTo(SyncDaemon.Tuning.DEFAULT);
        assertThatThrownBy(() ->
                        read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_SYNC_ROLE", "both", "VIDEOLB_SYNC_ID", "3")))
                .hasMessageStartingWith("VIDEOLB_SYNC_ROLE / VIDEOLB_SYNC_ID / VIDEOLB_SYNC_PEER_ID: peer sync id");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_SYNC_THRESHOLD", "50 3")))
                .hasMessageStartingWith("VIDEOLB_SYNC_THRESHOLD='50 3'");
        assertThatThrownBy(() -> read(Map.of("VIDEOLB_BOOTSTRAP", "k:1", "VIDEOLB_SYNC_PERSIST_MODE", "2")))
                .hasMessageStartingWith("VIDEOLB_SYNC_PERSIST_MODE='2'");
    }
}
