package io.videolb.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.alert.mail.SmtpSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void smtpSettingsComeFromTheEnvironment() {
        Config c = Config.fromEnv(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "127.0.0.1:9092", "VIDEOLB_ALERT_SMTP_HOST", "mail.example.com",
                "VIDEOLB_ALERT_SMTP_TLS", "IMPLICIT", "VIDEOLB_ALERT_SMTP_USER", "u", "VIDEOLB_ALERT_SMTP_PASSWORD", "p",
                "VIDEOLB_ALERT_TO", "a@example.com, b@example.com"));
        SmtpSettings s = c.smtp().orElseThrow();
        assertThat(s.port()).isEqualTo(465);
        assertThat(s.toString()).doesNotContain("p)").contains("user u");
        assertThat(c.extraTo()).hasSize(2);
    }

    @Test
    void withoutSmtpHostMailGoesToTheFolderSink() {
        assertThat(Config.fromEnv(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "127.0.0.1:9092")).smtp()).isEmpty();
    }

    @Test
    void aBadValueIsRejectedNamingTheVariable() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "x:1", "VIDEOLB_ALERT_TO", "ops@example.com\r\nBcc: e@example.net")))
                .hasMessageStartingWith("VIDEOLB_ALERT_TO: contains a carriage return");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "x:1", "VIDEOLB_ALERT_SMTP_HOST", "mail.example.com",
                "VIDEOLB_ALERT_SMTP_TLS", "NONE"))).hasMessageContaining("VIDEOLB_ALERT_SMTP_").hasMessageContaining("loopback");
        assertThatThrownBy(() -> Config.fromEnv(Map.of("VIDEOLB_KAFKA_BOOTSTRAP", "x:1", "VIDEOLB_ALERT_SMTP_HOST", "mail.example.com",
                "VIDEOLB_ALERT_SMTP_PORT", "0"))).hasMessageStartingWith("VIDEOLB_ALERT_SMTP_PORT");
    }
}
