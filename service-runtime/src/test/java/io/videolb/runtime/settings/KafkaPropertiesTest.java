package io.videolb.runtime.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.kafka.KafkaClientProperties;
import io.videolb.kafka.KafkaSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VIDEOLB_KAFKA_PROPERTIES: read through the settings reader, merged under KafkaSettings' own. */
class KafkaPropertiesTest {
    @TempDir
    Path dir;

    private static final String SASL = """
            # SASL over TLS
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
                username="videolb" password="hunter2";
            ssl.truststore.location=/etc/videolb/truststore.p12
            ssl.truststore.password=changeit
            linger.ms=20
            max.poll.records=50
            """;

    private KafkaConnection connection(String text) throws Exception {
        Path f = Files.writeString(dir.resolve("kafka.properties"), text);
        SettingsReader r = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "b:9092", "VIDEOLB_KAFKA_PROPERTIES", f.toString()))
                .known(List.of(CommonSettings.DECLARED))
                .build();
        return CommonSettings.kafka(r);
    }

    @Test
    void saslAndTlsPropertiesReachEveryKindOfClient() throws Exception {
        KafkaSettings k = connection(SASL).settings("svc");
        for (Properties p : List.of(
                k.producer(), k.transactionalProducer("tx-1"), k.stateConsumer(), k.eventConsumer("g"), k.admin())) {
            assertThat(p)
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry("ssl.truststore.location", "/etc/videolb/truststore.p12")
                    .containsEntry("ssl.truststore.password", "changeit")
                    .containsEntry("bootstrap.servers", "b:9092")
                    .containsEntry("client.id", "svc");
            assertThat((String) p.get("sasl.jaas.config"))
                    .isEqualTo(
                            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"videolb\" password=\"hunter2\";");
        }
        assertThat(k.producer())
                .containsEntry("linger.ms", "20")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true")
                .doesNotContainKey("max.poll.records");
        assertThat(k.eventConsumer("g"))
                .containsEntry("max.poll.records", "50")
                .doesNotContainKey("linger.ms")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("enable.auto.commit", "false");
        assertThat(k.stateConsumer()).containsEntry("max.poll.records", "50");
        assertThat(k.withClientId("other").admin()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(k.toString())
                .contains("sasl.jaas.config=****")
                .doesNotContain("hunter2")
                .doesNotContain("changeit");
    }

    @Test
    void weakeningASafetySettingIsAnErrorNamingFileLineAndProperty() throws Exception {
        Path f = dir.resolve("kafka.properties");
        assertThatThrownBy(() -> connection("security.protocol=SSL\nacks=1\n"))
                .hasMessage(f + ":2: acks='1': videolb requires acks=all; it cannot be changed");
        assertThatThrownBy(() -> connection("enable.idempotence=false\n"))
                .hasMessage(
                        f
                                + ":1: enable.idempotence='false': videolb requires enable.idempotence=true; it cannot be changed");
        assertThatThrownBy(() -> connection("\nisolation.level=read_uncommitted\n"))
                .hasMessage(
                        f
                                + ":2: isolation.level='read_uncommitted': videolb requires isolation.level=read_committed; it cannot be changed");
        assertThatThrownBy(() -> connection("enable.auto.commit=true\n"))
                .hasMessageStartingWith(f + ":1: enable.auto.commit='true'");
        assertThatThrownBy(() -> connection("transactional.id=x\n"))
                .hasMessage(
                        f + ":1: transactional.id='x': not allowed here" + " (videolb sets it per writer (fencing))");
        assertThatThrownBy(() -> connection("bootstrap.servers=other:9092\n"))
                .hasMessageStartingWith(f + ":1: bootstrap.servers=");
        assertThatThrownBy(() ->
                        connection("value.serializer=org.apache.kafka.common.serialization.ByteArraySerializer\n"))
                .hasMessageStartingWith(f + ":1: value.serializer=");
        assertThatThrownBy(() -> connection("sasl.mechanism=PLAIN\nsasl.mechanism=SCRAM-SHA-256\n"))
                .hasMessage(f + ":2: sasl.mechanism is set twice (first on line 1)");
    }

    @Test
    void theSameValueAsVideolbsIsAccepted() throws Exception {
        KafkaSettings k = connection("acks=all\nenable.idempotence=true\nisolation.level=read_committed\n")
                .settings("svc");
        assertThat(k.producer()).containsEntry("acks", "all");
    }

    @Test
    void printedSettingsMaskSecretProperties() throws Exception {
        Path f = Files.writeString(dir.resolve("kafka.properties"), SASL);
        SettingsReader r = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "b:9092", "VIDEOLB_KAFKA_PROPERTIES", f.toString()))
                .build();
        CommonSettings.kafka(r);
        List<String> lines =
                r.effective().stream().map(EffectiveSetting::printable).toList();
        assertThat(lines)
                .contains(
                        "kafka:sasl.jaas.config=****  (file " + f + ":4)",
                        "kafka:ssl.truststore.password=****  (file " + f + ":7)",
                        "kafka:security.protocol=SASL_SSL  (file " + f + ":2)");
        assertThat(String.join("\n", lines)).doesNotContain("hunter2").doesNotContain("changeit");
        assertThat(KafkaClientProperties.secret("ssl.keystore.key")).isTrue();
    }
}
