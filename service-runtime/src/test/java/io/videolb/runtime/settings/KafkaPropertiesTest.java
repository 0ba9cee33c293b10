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
            ssl.truststore.location=TRUSTSTORE
            ssl.truststore.password=changeit
            linger.ms=20
            max.poll.records=50
            """;

    private KafkaConnection connection(String text) throws Exception {
        Path f = Files.writeString(dir.resolve("kafka.properties"), withTruststore(text));
        SettingsReader r = SettingsReader.builder()
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "b:9092", "VIDEOLB_KAFKA_PROPERTIES", f.toString()))
                .known(List.of(CommonSettings.DECLARED))
                .build();
        return CommonSettings.kafka(r);
    }

    /** TRUSTSTORE: a file that exists (a missing one is refused). */
    private String withTruststore(String text) throws Exception {
        Path t = dir.resolve("truststore.p12");
        if (!Files.exists(t)) Files.writeString(t, "not really PKCS12");
        return text.replace("TRUSTSTORE", t.toString());
    }

    @Test
    void saslAndTlsPropertiesReachEveryKindOfClient() throws Exception {
        KafkaSettings k = connection(SASL).settings("svc");
        for (Properties p : List.of(
                k.producer(), k.transactionalProducer("tx-1"), k.stateConsumer(), k.eventConsumer("g"), k.admin())) {
            assertThat(p)
                    .containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                    .containsEntry(
                            "ssl.truststore.location",
                            dir.resolve("truststore.p12").toString())
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
        Path f = Files.writeString(dir.resolve("kafka.properties"), withTruststore(SASL));
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

    @Test
    void aMisspeltSecuritySettingIsAnErrorNamingFileLineAndTheNearestName() throws Exception {
        Path f = dir.resolve("kafka.properties");
        assertThatThrownBy(() -> connection("security.protocol=SSL\nssl.truststore.locaton=TRUSTSTORE\n"))
                .hasMessage(f + ":2: ssl.truststore.locaton: not a Kafka client setting"
                        + " (did you mean ssl.truststore.location?)");
        assertThatThrownBy(() -> connection("security.protocl=SASL_SSL\n"))
                .hasMessage(f + ":1: security.protocl: not a Kafka client setting (did you mean security.protocol?)");
        assertThatThrownBy(() -> connection("sasl.mechansim=SCRAM-SHA-512\n"))
                .hasMessageStartingWith(
                        f + ":1: sasl.mechansim: not a Kafka client setting (did you mean sasl.mechanism?)");
        assertThatThrownBy(() -> connection("security.protocol=SASL_TLS\n"))
                .hasMessage(f + ":1: security.protocol='SASL_TLS': must be one of PLAINTEXT, SASL_PLAINTEXT,"
                        + " SASL_SSL, SSL");
        assertThatThrownBy(() -> connection("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-384\n"))
                .hasMessage(f + ":2: sasl.mechanism='SCRAM-SHA-384': must be one of GSSAPI, OAUTHBEARER, PLAIN,"
                        + " SCRAM-SHA-256, SCRAM-SHA-512");
    }

    @Test
    void aMissingKeystoreOrTruststoreFileIsAnErrorNamingTheSetting() throws Exception {
        Path f = dir.resolve("kafka.properties");
        Path missing = dir.resolve("no-such.p12");
        assertThatThrownBy(() -> connection("security.protocol=SSL\nssl.keystore.location=" + missing + "\n"))
                .hasMessage(f + ":2: ssl.keystore.location='" + missing + "': no such file");
        assertThatThrownBy(() -> connection("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
                        + "sasl.jaas.config=x\nssl.truststore.location=" + dir + "\n"))
                .hasMessage(f + ":4: ssl.truststore.location='" + dir + "': not a readable file");
    }

    @Test
    void settingsThatWouldBeIgnoredOrAnIncompleteSaslSetupAreErrors() throws Exception {
        Path f = dir.resolve("kafka.properties");
        assertThatThrownBy(() -> connection("sasl.mechanism=SCRAM-SHA-512\n"))
                .hasMessage(f + ":1: sasl.mechanism needs a SASL security.protocol (SASL_SSL or SASL_PLAINTEXT),"
                        + " but security.protocol is not set (PLAINTEXT): it would be ignored");
        assertThatThrownBy(() -> connection("security.protocol=SASL_PLAINTEXT\nssl.truststore.location=TRUSTSTORE\n"))
                .hasMessage(f + ":2: ssl.truststore.location needs a TLS security.protocol (SSL or SASL_SSL), but " + f
                        + ":1: security.protocol=SASL_PLAINTEXT: it would be ignored");
        assertThatThrownBy(() -> connection("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"))
                .hasMessage(f + ":1: security.protocol=SASL_SSL with sasl.mechanism=SCRAM-SHA-512 (" + f
                        + ":2): sasl.jaas.config is required (the user name and password)");
        // a property of a client plugin (not security.*, sasl.*, ssl.*) still passes to every client
        assertThat(connection("my.plugin.option=1\n").settings("svc").admin()).containsEntry("my.plugin.option", "1");
    }
}
