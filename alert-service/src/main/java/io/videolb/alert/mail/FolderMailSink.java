package io.videolb.alert.mail;

import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone fallback when no SMTP server is configured: each message becomes
 * {@code SEQ.eml} in a folder (service-runtime's {@link SafeFiles}: mode 0640, never through a link) and is logged. A
 * message written twice (a re-send after a crash) overwrites the same file.
 */
public final class FolderMailSink implements MailSender {
    private static final Logger LOG = LoggerFactory.getLogger(FolderMailSink.class);
    private final Path dir;

    public FolderMailSink(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    @Override
    public DeliveryResult send(OutboxMail mail, Duration timeout) {
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(String.format("%010d.eml", mail.seq()));
            byte[] bytes = MimeText.render(mail, System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8);
            SafeFiles.write(target, bytes, SafeFiles.Mode.PRIVATE); // operators' addresses: not world-readable
            LOG.info("alert mail {} to {} written to {}: {}", mail.messageId(), mail.to(), target, mail.subject());
            return new DeliveryResult.Accepted("written " + target);
        } catch (IOException | RuntimeException e) {
            return new DeliveryResult.Transient("cannot write to " + dir + ": " + e, false);
        }
    }

    @Override
    public String describe() {
        return "folder " + dir;
    }
}
