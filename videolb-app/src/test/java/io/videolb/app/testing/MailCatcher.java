package io.videolb.app.testing;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.videolb.alert.AlertSettings;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.SmtpSettings;
import io.videolb.events.Topics;
import io.videolb.model.MailAddress;
import io.videolb.testsupport.kafka.SharedBroker;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A GreenMail SMTP server on a free loopback port (started within 15 s) that alert-service mails to, and the mails'
 * bodies read by section ({@code == NEW (}, {@code == RESOLVED (}, ...). Stopped by {@link #close}.
 */
public final class MailCatcher implements AutoCloseable {
    private final GreenMail greenMail;
    private final int port;

    private MailCatcher(GreenMail greenMail, int port) {
        this.greenMail = greenMail;
        this.port = port;
    }

    public static MailCatcher start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        GreenMail g = new GreenMail(setup);
        g.start();
        return new MailCatcher(g, port);
    }

    public int port() {
        return port;
    }

    /**
     * alert-service's settings the ITs share: the shared broker and {@code topics}, HTTP on a free loopback port, a
     * 500 ms hold before a mail, mail to this server without TLS, its sink in {@code sinkDir}.
     */
    public AlertSettings alertSettings(Topics topics, Path sinkDir) {
        return AlertSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .alerting(
                        new AlertBook.Settings(Duration.ofMillis(500), Duration.ofHours(1), Duration.ofMinutes(10), 4))
                .bounds(Facts.Bounds.defaults())
                .from(MailAddress.parse("videolb@videolb.example.org"))
                .extraTo(List.of(MailAddress.parse("ops@videolb.example.org")))
                .sinkDir(sinkDir)
                .smtp(new SmtpSettings("127.0.0.1", port, SmtpSettings.Tls.NONE, null, null))
                .build();
    }

    /** The bodies of the mails received so far, line ends as {@code \n}. */
    public List<String> bodies() {
        List<String> out = new ArrayList<>();
        for (MimeMessage m : greenMail.getReceivedMessages()) {
            try {
                out.add(String.valueOf(m.getContent()).replace("\r\n", "\n"));
            } catch (IOException | MessagingException e) {
                throw new AssertionError(e);
            }
        }
        return out;
    }

    /** The Message-IDs of the mails received so far. */
    public List<String> messageIds() throws MessagingException {
        List<String> ids = new ArrayList<>();
        for (MimeMessage m : greenMail.getReceivedMessages()) ids.add(m.getMessageID());
        return ids;
    }

    /** How many mails have {@code text} in their section {@code sectionName}. */
    public long count(String sectionName, String text) {
        return bodies().stream()
                .filter(b -> section(b, sectionName).contains(text))
                .count();
    }

    /** The text of the mail body's section {@code name} ("NEW", "RESOLVED", ...), empty if it has none. */
    public static String section(String body, String name) {
        int at = body.indexOf("\n== " + name + " (");
        if (at < 0) return "";
        int next = body.indexOf("\n== ", at + 1);
        int end = body.indexOf("incident(s) open.", at);
        int stop = next < 0 ? end : (end < 0 ? next : Math.min(next, end));
        return body.substring(at, stop < 0 ? body.length() : stop);
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
