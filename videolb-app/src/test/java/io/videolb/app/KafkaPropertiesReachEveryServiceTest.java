package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.health.HealthServiceSettings;
import io.videolb.kafka.KafkaSettings;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VIDEOLB_KAFKA_PROPERTIES reaches the Kafka clients of every service (each builds them from its record's connection). */
class KafkaPropertiesReachEveryServiceTest {
    @TempDir
    Path dir;

    @Test
    void saslSettingsReachEveryServicesClients() throws Exception {
        Path props = Files.writeString(
                dir.resolve("kafka.properties"),
                "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"u\" password=\"p\";\n");
        SettingsReader r = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "k1:9093", "VIDEOLB_KAFKA_PROPERTIES", props.toString()))
                .known(CliSettings.ALL)
                .build();
        List<KafkaConnection> connections = List.of(
                ConfigServiceSettings.read(r).kafka(),
                HealthServiceSettings.read(r).kafka(),
                AgentSettings.read(r).kafka(),
                AlertSettings.read(r).kafka());
        for (KafkaConnection c : connections) {
            KafkaSettings k = c.settings("svc").withClientId("svc-reader");
            for (Properties p : List.of(
                    k.producer(), k.transactionalProducer("tx"), k.stateConsumer(), k.eventConsumer("g"), k.admin())) {
                assertThat(p)
                        .containsEntry("security.protocol", "SASL_SSL")
                        .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
                        .containsEntry("bootstrap.servers", "k1:9093");
            }
        }
    }
}
