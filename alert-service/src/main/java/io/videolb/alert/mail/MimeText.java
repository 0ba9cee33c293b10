package io.videolb.alert.mail;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.stream.Collectors;

/**
 * Renders an {@link OutboxMail} as an RFC 5322 message (CRLF line ends) for the folder sink.
 * Header values come only from validated values (addresses, Message-ID, the template subject);
 * the body is base64 so no body line can ever be read as a header or an SMTP terminator.
 */
final class MimeText {
    private MimeText() {}

    static String render(OutboxMail m, long nowMs) {
        StringBuilder b = new StringBuilder();
        b.append("Message-ID: ").append(m.messageId()).append("\r\n");
        b.append("Date: ")
                .append(DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(nowMs), ZoneOffset.UTC)))
                .append("\r\n");
        b.append("From: ").append(m.from()).append("\r\n");
        b.append("To: ")
                .append(m.to().stream().map(Object::toString).collect(Collectors.joining(", ")))
                .append("\r\n");
        b.append("Subject: ").append(m.subject()).append("\r\n");
        b.append("MIME-Version: 1.0\r\n");
        b.append("Content-Type: text/plain; charset=utf-8\r\n");
        b.append("Content-Transfer-Encoding: base64\r\n\r\n");
        String enc = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(m.body().getBytes(StandardCharsets.UTF_8));
        b.append(enc).append("\r\n");
        return b.toString();
    }
}
