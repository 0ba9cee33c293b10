package io.videolb.alert.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.model.MailAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderMailSinkTest {
    @TempDir
    Path dir;

    private static OutboxMail mail(String body) {
        return new OutboxMail(
                3,
                "<videolb.t.3@example.org>",
                MailAddress.parse("v@example.org"),
                List.of(MailAddress.parse("ops@example.com")),
                "[videolb] 1 new, 0 resolved, 1 open: server 192.0.2.1 down",
                body,
                0,
                0,
                false,
                false,
                "");
    }

    @Test
    void eachMailBecomesOneEmlFileWhoseBodyCannotAddHeaders() throws Exception {
        DeliveryResult r =
                new FolderMailSink(dir).send(mail("line\r\nBcc: evil@example.net\r\n\r\n."), Duration.ofSeconds(1));
        assertThat(r).isInstanceOf(DeliveryResult.Accepted.class);
        String eml = Files.readString(dir.resolve("0000000003.eml"));
        String headers = eml.substring(0, eml.indexOf("\r\n\r\n"));
        assertThat(headers.split("\r\n"))
                .extracting(l -> l.substring(0, l.indexOf(':')))
                .containsExactly(
                        "Message-ID",
                        "Date",
                        "From",
                        "To",
                        "Subject",
                        "MIME-Version",
                        "Content-Type",
                        "Content-Transfer-Encoding");
        assertThat(eml).doesNotContain("evil");
    }

    @Test
    void aSubjectWithALineBreakIsRefused() {
        assertThatThrownBy(() -> new OutboxMail(
                        1,
                        "<a.1@example.org>",
                        MailAddress.parse("v@example.org"),
                        List.of(),
                        "a\r\nBcc: x",
                        "",
                        0,
                        0,
                        false,
                        false,
                        ""))
                .hasMessageContaining("carriage return");
        assertThatThrownBy(() -> new OutboxMail(
                        1,
                        "<a.1@example.org>\r\nX: y",
                        MailAddress.parse("v@example.org"),
                        List.of(),
                        "s",
                        "",
                        0,
                        0,
                        false,
                        false,
                        ""))
                .hasMessageContaining("Message-ID");
    }
}
