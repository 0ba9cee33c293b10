package io.videolb.alert.mail;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.MailResult;
import io.vertx.ext.mail.SMTPException;
import io.vertx.ext.mail.StartTLSOptions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SMTP submission through the Vert.x mail client: STARTTLS (required) or implicit TLS, AUTH when
 * credentials are set. Only four headers come from us: From, To, Subject (fixed template) and
 * Message-ID (validated); the event data is in the body.
 *
 * <p>Outcomes: 250 -> accepted; 5xx -> permanent, except the AUTH codes 530/534/535/538, which
 * concern the account, not the message, and are retried (shown on /health); 4xx, refused,
 * timeouts, TLS or connection errors -> transient.
 */
public final class SmtpMailSender implements MailSender {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpMailSender.class);
    private static final Set<Integer> AUTH_CODES = Set.of(530, 534, 535, 538);

    private final SmtpSettings settings;
    private final MailClient client;

    public SmtpMailSender(Vertx vertx, SmtpSettings settings, String heloName) {
        this(vertx, settings, heloName, c -> {});
    }

    /** {@code tweak} adjusts the client config; tests use it to trust a self-signed test certificate. */
    public SmtpMailSender(Vertx vertx, SmtpSettings settings, String heloName, Consumer<MailConfig> tweak) {
        this.settings = settings;
        MailConfig c = new MailConfig()
                .setHostname(settings.host())
                .setPort(settings.port())
                .setOwnHostname(heloName)
                .setKeepAlive(false)
                .setConnectTimeout(10_000)
                .setHostnameVerificationAlgorithm("HTTPS");
        switch (settings.tls()) {
            case IMPLICIT:
                c.setSsl(true).setStarttls(StartTLSOptions.DISABLED);
                break;
            case STARTTLS:
                c.setSsl(false).setStarttls(StartTLSOptions.REQUIRED);
                break;
            default:
                c.setSsl(false).setStarttls(StartTLSOptions.DISABLED);
        }
        if (settings.username() != null) {
            c.setLogin(LoginOption.REQUIRED).setUsername(settings.username()).setPassword(settings.password());
        } else {
            c.setLogin(LoginOption.DISABLED);
        }
        tweak.accept(c);
        this.client = MailClient.create(vertx, c);
    }

    @Override
    public DeliveryResult send(OutboxMail mail, Duration timeout) {
        MailMessage m = new MailMessage()
                .setFrom(mail.from().toString())
                .setTo(mail.to().stream().map(Object::toString).toList())
                .setSubject(mail.subject())
                .setText(mail.body())
                .setHeaders(MultiMap.caseInsensitiveMultiMap().set("Message-ID", mail.messageId()));
        try {
            MailResult r = client.sendMail(m)
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new DeliveryResult.Accepted("250 accepted for " + r.getRecipients());
        } catch (TimeoutException e) {
            return new DeliveryResult.Transient("no answer within " + timeout.toSeconds() + " s", true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new DeliveryResult.Transient("interrupted", true);
        } catch (ExecutionException e) {
            return classify(e.getCause());
        }
    }

    static DeliveryResult classify(Throwable t) {
        Throwable root = t;
        while (root != null
                && !(root instanceof SMTPException)
                && !(root instanceof java.net.ConnectException)
                && root.getCause() != null) {
            root = root.getCause();
        }
        if (root instanceof SMTPException s) {
            int code = s.getReplyCode();
            String reply = oneLine(s.getReplyMessage()).strip();
            String reason = reply.startsWith(code + " ") || reply.startsWith(code + "-") ? reply : code + " " + reply;
            if (s.isPermanent() && !AUTH_CODES.contains(code)) return new DeliveryResult.Permanent(reason);
            return new DeliveryResult.Transient(reason, false);
        }
        if (root instanceof java.net.ConnectException) {
            return new DeliveryResult.Transient("connection refused: " + oneLine(root.getMessage()), false);
        }
        String msg = t == null ? "unknown" : t.getClass().getSimpleName() + ": " + oneLine(t.getMessage());
        boolean refused = msg.contains("Connection refused");
        if (!refused) LOG.debug("smtp failure", t);
        return new DeliveryResult.Transient(msg, !refused);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\p{Cntrl}]", " ");
    }

    @Override
    public String describe() {
        return settings.toString();
    }

    @Override
    public void close() {
        try {
            client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("closing mail client", e);
        }
    }
}
