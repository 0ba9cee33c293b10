package io.videolb.alert;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Digest;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.FolderMailSink;
import io.videolb.alert.mail.MailSender;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.alert.mail.SmtpMailSender;
import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.StateTopicReader.StateRecord;
import io.videolb.kafka.TopicAdmin;
import io.videolb.model.Ipv4Address;
import io.videolb.model.MailAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alert service: reads the health, agent-status and desired topics from offset 0, keeps its
 * incidents and an outbox of composed mails on the alert-state topic, and mails the operator.
 *
 * <pre>
 *  health, agent-status, desired --(engine thread: Facts -> conditions -> AlertBook)--+
 *        (read from 0; acts only after reading to the end)                          |
 *                                   one Kafka transaction: incidents + outbox/SEQ + meta
 *                                                                                    |
 *  delivery thread: outbox/SEQ -> in flight (stored) -> SMTP -> 250: delete outbox/SEQ
 *                                                     -> 4xx/timeout/refused: backoff, retry
 *                                                     -> 5xx: count, log, delete
 * </pre>
 *
 * Composition root: {@code new AlertService(config).start()}, then {@link #close()}.
 */
public final class AlertService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);

    private final AlertSettings config;
    private final Function<Vertx, MailSender> senderFactory;
    private final Counters counters = new Counters();
    private final Facts facts = new Facts();
    private final AlertBook book;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch engineStopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile long openIncidents;
    private volatile String engineError = "";
    private volatile List<MailAddress> recipients = List.of();
    private final Vertx vertx;
    private final boolean ownVertx;
    private MailSender sender;
    private AlertStateStore store;
    private Delivery delivery;
    private StateTopicReader engine;
    private PendingWrite unwritten; // engine (reader) thread only
    private Thread deliveryThread;
    private HttpServer http;

    /** Mail goes to SMTP when {@code config.smtp()} is set, else into the folder sink. */
    public AlertService(AlertSettings config) {
        this(config, null, v -> config.smtp().<MailSender>map(s -> new SmtpMailSender(v, s, "videolb"))
                .orElseGet(() -> new FolderMailSink(config.sinkDir())));
    }

    /** With a given Vert.x (null: own one) and a given mail sender (tests: trust a test certificate). */
    public AlertService(AlertSettings config, Vertx vertx, Function<Vertx, MailSender> senderFactory) {
        this.config = config;
        this.senderFactory = senderFactory;
        this.book = new AlertBook(config.alerting());
        this.ownVertx = vertx == null;
        this.vertx = vertx == null ? Vertx.vertx() : vertx;
    }

    /** Ensures topics, loads the alert state, starts both threads and the HTTP endpoint; returns when running. */
    public AlertService start() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException("already started");
        try {
            ensureTopics(config.kafka().settings("alert-topic-admin-" + config.instanceId()), config.topics());
            sender = senderFactory.apply(vertx);
            KafkaSettings kafka = config.kafka().settings("alert-" + config.instanceId());
            store = new AlertStateStore(kafka, config.topics().alertState(),
                    "videolb-alert-" + config.topics().prefix() + "-" + config.instanceId(), counters::meta);
            AlertStateStore.Loaded loaded = store.load(Duration.ofSeconds(60));
            counters.restore(loaded.meta());
            book.restore(loaded.incidents());
            openIncidents = book.openCount();
            delivery = new Delivery(store, sender, counters, () -> recipients, config.retryBase(), config.retryMax(), config.sendTimeout());
            loaded.outbox().forEach(delivery::offer);
            LOG.info("alert state loaded: {} incidents, {} mails pending, next mail #{} ({} records); mail goes to {}",
                    loaded.incidents().size(), loaded.outbox().size(), loaded.meta().nextSeq(), loaded.records(), sender.describe());
            deliveryThread = new Thread(delivery, "alert-delivery");
            deliveryThread.setDaemon(true);
            deliveryThread.start();
            engine = startEngine(kafka);
            http = startHttp();
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The bound HTTP port (useful with port 0). */
    public int httpPort() {
        return http == null ? -1 : http.actualPort();
    }

    /** Whether the inputs have been read to their end once (before that, nothing is decided). */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** A snapshot of the counters shown on /metrics. */
    public record Stats(long sent, long pending, long failed, long duplicates, long transientFailures, long openIncidents,
                        long inputRecords, long inputRejected, String lastError) {}

    public Stats stats() {
        Delivery d = delivery;
        return new Stats(counters.sent.get(), d == null ? 0 : d.pending(), counters.failed.get(), counters.duplicates.get(),
                counters.transientFailures.get(), openIncidents, counters.inputRecords.get(), counters.inputRejected.get(),
                d == null ? "" : d.lastError());
    }

    // ---------------------------------------------------------------- engine

    /**
     * Reads desired, health and agent-status from offset 0 (kafka-support's StateTopicReader, one
     * thread) into {@link Facts}; once read to their end, decides after every poll (at least every
     * 100 ms): conditions -> AlertBook -> one transaction with the incident changes and the mail.
     */
    private StateTopicReader startEngine(KafkaSettings kafka) {
        Topics t = config.topics();
        DesiredStateFolder folder = new DesiredStateFolder();
        StateTopicReader.Listener listener = new StateTopicReader.Listener() {
            @Override
            public void onRecord(StateRecord r) {
                counters.inputRecords.incrementAndGet();
                try {
                    apply(folder, r);
                } catch (RuntimeException e) {
                    counters.inputRejected.incrementAndGet();
                    LOG.warn("ignored record {}@{} key {}: {}", r.topic(), r.offset(), oneLine(r.key()), oneLine(e.getMessage()));
                }
            }

            @Override
            public void onCaughtUp() {
                caughtUp = true;
                LOG.info("alert inputs read to their end ({} records); deciding from now on", counters.inputRecords.get());
                tick();
            }

            @Override
            public void afterPoll() {
                if (caughtUp) tick();
            }

            @Override
            public void onError(Throwable e) {
                engineError = "alert engine stopped: " + e;
                engineStopped.countDown();
            }
        };
        return StateTopicReader.start(kafka.withClientId("alert-engine-" + config.instanceId()),
                List.of(t.desired(), t.health(), t.agentStatus()), listener, Duration.ofSeconds(30), Duration.ofMillis(100));
    }

    /** One decision step; a fencing error (IllegalStateException) stops the engine, other store errors are retried. */
    private void tick() {
        if (!running) return;
        if (unwritten == null) unwritten = decide(System.currentTimeMillis());
        if (unwritten == null) return;
        try {
            store.write(unwritten.changes.put(), unwritten.changes.removed(),
                    unwritten.mail == null ? List.of() : List.of(unwritten.mail), List.of());
            if (unwritten.mail != null) {
                delivery.offer(unwritten.mail);
                LOG.info("alert mail #{} composed: {}", unwritten.mail.seq(), unwritten.mail.subject());
            }
            unwritten = null;
            engineError = "";
        } catch (RuntimeException e) {
            engineError = "cannot store alert state: " + e.getMessage();
            LOG.warn("{}; retrying", engineError);
            if (e instanceof IllegalStateException) throw e;
            sleep(1000);
        }
    }

    private record PendingWrite(AlertBook.Changes changes, OutboxMail mail) {}

    private PendingWrite decide(long now) {
        List<MailAddress> to = new ArrayList<>(new TreeSet<>(concat(facts.mailTo(), config.extraTo())));
        recipients = List.copyOf(to);
        book.observe(facts.conditions(), now);
        Optional<Digest> d = book.due(now);
        AlertBook.Changes changes = book.changes();
        openIncidents = book.openCount();
        if (d.isEmpty() && changes.isEmpty()) return null;
        OutboxMail mail = null;
        if (d.isPresent()) {
            long seq = counters.nextSeq.getAndIncrement();
            String domain = config.from().value().substring(config.from().value().indexOf('@') + 1);
            String messageId = "<videolb." + config.topics().prefix() + "." + seq + "@" + domain + ">";
            String body = d.get().body() + "\nMessage " + seq + " of the videolb alert service (" + messageId + ").\n";
            mail = new OutboxMail(seq, messageId, config.from(), to, d.get().subject(), body, now, 0, false, false, "");
        }
        return new PendingWrite(changes, mail);
    }

    private static List<MailAddress> concat(List<MailAddress> a, List<MailAddress> b) {
        List<MailAddress> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }

    private void apply(DesiredStateFolder folder, StateRecord r) {
        Topics t = config.topics();
        String key = r.key();
        if (key == null) throw new IllegalArgumentException("record without key");
        if (r.topic().equals(t.desired())) {
            try {
                folder.apply(key, r.value()).ifPresent(facts::desired);
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException("desired generation not usable: " + e.getMessage(), e);
            }
        } else if (r.topic().equals(t.health())) {
            if (key.startsWith(CheckerStatus.KEY_PREFIX)) {
                if (r.value() == null) facts.removeChecker(key.substring(CheckerStatus.KEY_PREFIX.length()));
                else facts.checker(Json.read(r.value(), CheckerStatus.class));
            } else if (r.value() == null) {
                facts.removeVerdict(Ipv4Address.parse(key));
            } else {
                HealthVerdict v = Json.read(r.value(), HealthVerdict.class);
                if (!v.server().toString().equals(key)) throw new IllegalArgumentException("verdict for " + v.server() + " under another key");
                facts.verdict(v);
            }
        } else if (r.topic().equals(t.agentStatus())) {
            facts.agent(key, r.value() == null ? null : Json.read(r.value(), AgentStatus.class));
        }
    }

    // ---------------------------------------------------------------- http

    private HttpServer startHttp() {
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        router.get("/metrics").handler(this::metrics);
        try {
            return vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.httpHost())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting HTTP", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("alert HTTP endpoint on " + config.httpHost() + ":" + config.httpPort() + " did not start: " + e.getMessage(), e);
        }
    }

    private void health(RoutingContext ctx) {
        Stats s = stats();
        boolean engineUp = engineStopped.getCount() > 0 && running;
        String status = !engineUp ? "DOWN" : !caughtUp ? "STARTING" : !s.lastError().isEmpty() || !engineError.isEmpty() ? "DEGRADED" : "UP";
        JsonObject o = new JsonObject()
                .put("status", status)
                .put("caughtUp", caughtUp)
                .put("openIncidents", s.openIncidents())
                .put("pendingMails", s.pending())
                .put("oldestPendingSinceMs", delivery == null ? 0 : delivery.oldestPendingCreatedAtMs())
                .put("mailTarget", sender == null ? "" : sender.describe())
                .put("recipients", new JsonArray(recipients.stream().map(MailAddress::value).toList()))
                .put("lastDeliveryError", s.lastError())
                .put("engineError", engineError)
                .put("recentPermanentFailures", new JsonArray(counters.recentFailures()));
        ctx.response().setStatusCode(engineUp && caughtUp ? 200 : 503).putHeader("content-type", "application/json").end(o.encode());
    }

    private void metrics(RoutingContext ctx) {
        Stats s = stats();
        StringBuilder b = new StringBuilder();
        metric(b, "videolb_alert_mails_sent_total", "counter", "mails accepted by the server (250)", s.sent());
        metric(b, "videolb_alert_mails_pending", "gauge", "mails in the outbox waiting for 250", s.pending());
        metric(b, "videolb_alert_mails_failed_total", "counter", "mails rejected permanently (5xx), not retried", s.failed());
        metric(b, "videolb_alert_mail_duplicates_total", "counter", "mails re-sent after an attempt with unknown outcome (same Message-ID)", s.duplicates());
        metric(b, "videolb_alert_mail_transient_failures_total", "counter", "send attempts that failed and will be retried", s.transientFailures());
        metric(b, "videolb_alert_incidents_open", "gauge", "open incidents", s.openIncidents());
        metric(b, "videolb_alert_input_records_total", "counter", "records read from health, agent-status and desired", s.inputRecords());
        metric(b, "videolb_alert_input_rejected_total", "counter", "input records ignored as malformed", s.inputRejected());
        metric(b, "videolb_alert_caught_up", "gauge", "1 once the inputs were read to their end", caughtUp ? 1 : 0);
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4").end(b.toString());
    }

    private static void metric(StringBuilder b, String name, String type, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        b.append(name).append(' ').append(value).append('\n');
    }

    // ---------------------------------------------------------------- lifecycle

    /** Creates the missing topics (kafka-support's TopicAdmin: compacted state topics, waits for leaders). */
    static void ensureTopics(KafkaSettings admin, Topics topics) {
        TopicAdmin.ensure(admin, topics);
    }

    /** Stops promptly: the engine and delivery threads end, the outbox stays in Kafka. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        running = false;
        if (delivery != null) delivery.stop();
        if (engine != null) engine.close();
        engineStopped.countDown();
        join(deliveryThread);
        if (http != null) await(http.close());
        if (sender != null) sender.close();
        if (store != null) store.close();
        if (ownVertx) await(vertx.close());
        LOG.info("alert service stopped ({} mails pending in Kafka)", delivery == null ? 0 : delivery.pending());
    }

    private static void join(Thread t) {
        if (t == null) return;
        try {
            t.join(15_000);
            if (t.isAlive()) LOG.warn("{} did not stop within 15 s", t.getName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(io.vertx.core.Future<?> f) {
        try {
            f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("close", e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
    }
}
