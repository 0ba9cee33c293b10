package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code videolb <service> --print-settings}: every effective setting with its source, secrets masked, nothing started. */
class PrintSettingsTest {
    @TempDir
    Path tmp;

    private Path settingsFile() throws Exception {
        Path kafka = Files.writeString(tmp.resolve("kafka.properties"), """
                security.protocol=SASL_SSL
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="lb" password="kafka-pw";
                """);
        return Files.writeString(
                tmp.resolve("videolb.properties"),
                "VIDEOLB_KAFKA_PROPERTIES=" + kafka + "\n"
                        + "VIDEOLB_ALERT_SMTP_HOST=mail.example.com\nVIDEOLB_ALERT_SMTP_USER=lb\nVIDEOLB_ALERT_SMTP_PASSWORD=smtp-pw\n"
                        + "VIDEOLB_HEALTH_POOL_2_LEVEL=HLS\n");
    }

    @Test
    void everyServicePrintsItsSettingsWithSourcesAndMasksSecrets() throws Exception {
        Path settings = settingsFile();
        for (String service : new String[] {"config-service", "health", "agent", "alert"}) {
            MainTest.Run r = MainTest.run(
                    service,
                    "--print-settings",
                    "--bootstrap",
                    "10.0.0.1:9092",
                    "--settings",
                    settings.toString(),
                    "--data-dir",
                    tmp.resolve("data").toString());
            assertThat(r.code()).as(service + ": " + r.err()).isZero();
            assertThat(r.out())
                    .as(service)
                    .contains("VIDEOLB_BOOTSTRAP=10.0.0.1:9092  (flag --bootstrap)")
                    .contains("VIDEOLB_TOPIC_PREFIX=videolb  (default)")
                    .contains("VIDEOLB_SETTINGS_FILE=" + settings + "  (flag --settings)")
                    .contains("kafka:security.protocol=SASL_SSL  (file " + tmp.resolve("kafka.properties") + ":1)")
                    .contains("kafka:sasl.jaas.config=****")
                    .doesNotContain("kafka-pw")
                    .doesNotContain("smtp-pw");
        }
        MainTest.Run alert = MainTest.run(
                "alert",
                "--print-settings",
                "--bootstrap",
                "10.0.0.1:9092",
                "--settings",
                settings.toString(),
                "--http-port",
                "0");
        assertThat(alert.out())
                .contains("VIDEOLB_ALERT_SMTP_PASSWORD=****  (file " + settings + ":4)")
                .contains("VIDEOLB_ALERT_SMTP_USER=lb  (file " + settings + ":3)")
                .contains("--http-port=0  (flag --http-port)")
                .contains("VIDEOLB_ALERT_FLAP_CHANGES=4  (default)");
        MainTest.Run health = MainTest.run(
                "health", "--print-settings", "--bootstrap", "10.0.0.1:9092", "--settings", settings.toString());
        assertThat(health.out())
                .contains("VIDEOLB_HEALTH_POOL_2_LEVEL=HLS  (file " + settings + ":5)")
                .contains("VIDEOLB_HEALTH_INTERVAL_MS=2000  (default)");
    }

    @Test
    void aBadSettingIsAUsageErrorNamingIt() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.properties"), "VIDEOLB_HEALTH_INTERVAL_MS=2s\n");
        MainTest.Run r = MainTest.run(
                "health", "--print-settings", "--bootstrap", "10.0.0.1:9092", "--settings", bad.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains(bad + ":1: VIDEOLB_HEALTH_INTERVAL_MS='2s': must be an integer 100..600000");
        Path typo = Files.writeString(tmp.resolve("typo.properties"), "VIDEOLB_HEALTH_INTERVAL=2000\n");
        MainTest.Run t = MainTest.run(
                "health", "--print-settings", "--bootstrap", "10.0.0.1:9092", "--settings", typo.toString());
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err())
                .contains(typo
                        + ":1: VIDEOLB_HEALTH_INTERVAL: unknown setting (did you mean VIDEOLB_HEALTH_INTERVAL_MS?)");
    }

    @Test
    void standalonePrintsEveryServicesSettingsWithWhatItAssignsAndStartsNothing() throws Exception {
        Path config = Files.createDirectories(tmp.resolve("config"));
        Path data = tmp.resolve("data");
        MainTest.Run r = MainTest.run(
                "standalone",
                "--print-settings",
                "--config",
                config.toString(),
                "--data-dir",
                data.toString(),
                "--http-port",
                "8480",
                "--settings",
                settingsFile().toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("VIDEOLB_BOOTSTRAP=127.0.0.1:9092  (assigned the embedded broker, its port chosen at start)")
                .contains("VIDEOLB_CONFIG_HTTP_PORT=8480  (assigned standalone --http-port)")
                .contains("VIDEOLB_HTTP_PORT=8481  (assigned standalone --http-port + 1)")
                .contains("VIDEOLB_HEALTH_HTTP_PORT=8482  (assigned standalone --http-port + 2)")
                .contains("--http-port=8483  (assigned standalone --http-port + 3)")
                .contains("VIDEOLB_HTTP_HOST=127.0.0.1  (default standalone)")
                .contains("VIDEOLB_ALERT_SINK_DIR="
                        + data.toAbsolutePath().normalize().resolve("alert-mail"))
                .contains("VIDEOLB_ALERT_SMTP_PASSWORD=****")
                .doesNotContain("smtp-pw")
                .doesNotContain("kafka-pw");
        assertThat(data).doesNotExist();
    }
}
