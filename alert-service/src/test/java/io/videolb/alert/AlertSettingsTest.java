package io.videolb.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.alert.mail.SmtpSettings;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertSettingsTest {
    @TempDir
    Path dir;

    static AlertSettings read(Map<String, String> env) {
        return AlertSettings.read(SettingsReader.builder()
                .environment(env)
                .known(List.of(CommonSettings.DECLARED, AlertSettings.DECLARED))
                .build());
    }

    @Test
    void smtpSettingsComeFromTheEnvironment() {
        AlertSettings c = read(Map.of(
                "VIDEOLB_BOOTSTRAP",
                "127.0.0.1:9092",
                "VIDEOLB_ALERT_SMTP_HOST",
                "mail.example.com",
                "VIDEOLB_ALERT_SMTP_TLS",
                "IMPLICIT",
                "VIDEOLB_ALERT_SMTP_USER",
                "u",
                "VIDEOLB_ALERT_SMTP_PASSWORD",
                "p",
                "VIDEOLB_ALERT_TO",
                "a@example.com, b@example.com"));
        SmtpSettings s = c.smtp().orElseThrow();
        assertThat(s.port()).isEqualTo(465);
        assertThat(s.toString()).doesNotContain("p)").contains("user u");
        assertThat(c.extraTo()).hasSize(2);
    }

    @Test
    void thePasswordMayComeFromAFile() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "from-file\n");
        AlertSettings c = read(Map.of(
                "VIDEOLB_BOOTSTRAP",
                "127.0.0.1:9092",
                "VIDEOLB_ALERT_SMTP_HOST",
                "mail.example.com",
                "VIDEOLB_ALERT_SMTP_USER",
                "u",
                "VIDEOLB_ALERT_SMTP_PASSWORD_FILE",
                pw.toString()));
        assertThat(c.smtp().orElseThrow().password()).isEqualTo("from-file");
        assertThat(c.smtp().orElseThrow().port()).isEqualTo(587);
    }

    @Test
    void anEmptySmtpUserIsUnsetNotAnEmptyLogin() {
        // before the settings reader, VIDEOLB_ALERT_SMTP_USER= made alert-service refuse to start ("smtp username:
        // empty")
        Map<String, String> env = new HashMap<>(Map.of(
                "VIDEOLB_BOOTSTRAP",
                "127.0.0.1:9092",
                "VIDEOLB_ALERT_SMTP_HOST",
                "mail.example.com",
                "VIDEOLB_ALERT_SMTP_USER",
                "",
                "VIDEOLB_ALERT_SMTP_PASSWORD",
                ""));
        SmtpSettings s = read(env).smtp().orElseThrow();
        assertThat(s.username()).isNull();
        assertThat(s.password()).isNull();
    }

    @Test
    void docker_composesRelayWithoutAuthStarts() throws Exception {
        // docker-compose.yml: VIDEOLB_ALERT_SMTP_USER=${...:-} and the secret file deploy/smtp-password left empty
        Path pw = Files.writeString(dir.resolve("smtp-password"), "");
        SmtpSettings s = read(Map.of(
                        "VIDEOLB_BOOTSTRAP",
                        "kafka:9092",
                        "VIDEOLB_ALERT_SMTP_HOST",
                        "relay.example.com",
                        "VIDEOLB_ALERT_SMTP_PORT",
                        "587",
                        "VIDEOLB_ALERT_SMTP_TLS",
                        "STARTTLS",
                        "VIDEOLB_ALERT_SMTP_USER",
                        "",
                        "VIDEOLB_ALERT_SMTP_PASSWORD_FILE",
                        pw.toString()))
                .smtp()
                .orElseThrow();
        assertThat(s.username()).isNull();
        assertThat(s.password()).isNull();
    }

    @Test
    void theOldBootstrapNameStillWorks() {
        assertThat(read(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
                        .kafka()
                        .bootstrapServers())
                .isEqualTo("127.0.0.1:9092");
    }

    @Test
    void withoutSmtpHostMailGoesToTheFolderSink() {
        assertThat(read(Map.of("VIDEOLB_BOOTSTRAP", "127.0.0.1:9092")).smtp()).isEmpty();
    }

    @Test
    void theHttpPortFlagReplacesThePortOnly() {
        AlertSettings c = AlertSettings.read(SettingsReader.builder()
                .flag("--http-port", 0)
                .environment(Map.of("VIDEOLB_BOOTSTRAP", "b:1", "VIDEOLB_ALERT_HTTP", "0.0.0.0:9000"))
                .build());
        assertThat(c.httpHost()).isEqualTo("0.0.0.0");
        assertThat(c.httpPort()).isZero();
    }

    @Test
    void aBadValueIsRejectedNamingTheVariable() {
        assertThatThrownBy(() -> read(Map.of(
                        "VIDEOLB_BOOTSTRAP", "x:1", "VIDEOLB_ALERT_TO", "ops@example.com\r\nBcc: e@example.net")))
                .hasMessageStartingWith(
                        "VIDEOLB_ALERT_TO='ops@example.com\\r\\nBcc: e@example.net': must be comma-separated mail addresses");
        assertThatThrownBy(() -> read(Map.of(
                        "VIDEOLB_BOOTSTRAP",
                        "x:1",
                        "VIDEOLB_ALERT_SMTP_HOST",
                        "mail.example.com",
                        "VIDEOLB_ALERT_SMTP_TLS",
                        "NONE")))
                .hasMessageContaining("VIDEOLB_ALERT_SMTP_")
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> read(Map.of(
                        "VIDEOLB_BOOTSTRAP",
                        "x:1",
                        "VIDEOLB_ALERT_SMTP_HOST",
                        "mail.example.com",
                        "VIDEOLB_ALERT_SMTP_PORT",
                        "0")))
                .hasMessage("VIDEOLB_ALERT_SMTP_PORT='0': must be an integer 1..65535");
        assertThatThrownBy(() -> read(Map.of()))
                .hasMessage("VIDEOLB_BOOTSTRAP: required, must be HOST:PORT[,HOST:PORT...] (port 1..65535)"
                        + " (or --bootstrap)");
    }
}
