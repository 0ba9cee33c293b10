package io.videolb.alert;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.videolb.alert.incident.AlertBook;
import io.videolb.alert.incident.Digest;
import io.videolb.alert.incident.Facts;
import io.videolb.alert.mail.FolderMailSink;
import io.videolb.alert.mail.MailSender;
import io.videolb.alert.mail.OutboxMail;
import io.videolb.alert.mail.SmtpMailSender;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.HealthRecord;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.AgentStatusTopics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.StateTopicReader.StateRecord;
import io.videolb.kafka.TopicAdmin;
import io.videolb.kafka.TopicReplication;
import io.videolb.model.MailAddress;
import io.videolb.runtime.HealthReport;
import io.videolb.runtime.ServiceEndpoints;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.ServiceStop;
import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 *                                                     -> 5xx: count, log, keep as dead letter
 *  POST /outbox/retry (loopback only; videolb alert retry): dead letters back in the queue
 * </pre>
 *
 * Composition root, a verticle on the process's {@link ServiceRuntime}: {@code runtime.deploy(new AlertService(config, runtime))},
 * stopped by undeploying it (or closing the runtime).
 */
public final class AlertService extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);

    /** The name in logs, on {@code /metrics} ({@code service="alert-service"}) and in the standalone ready line. */
    public static final String NAME = "alert-service";

    private final AlertSettings config;
    private final Function<Vertx, MailSender> senderFactory;
    private final Counters counters = new Counters();
    private Facts facts; // engine (reader) thread, after the constructor
    private final java.util.function.LongSupplier clock;
    private volatile boolean outboxFull;
    private final AlertBook book;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch engineStopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile long openIncidents;
    private volatile String engineError = "";
    private volatile List<MailAddress> recipients = List.of();
    private final ServiceRuntime runtime;
    private ServiceMetrics metrics;
    private MailSender sender;
    private AlertStateStore store;
    private Delivery delivery;
    private StateTopicReader engine;
    private PendingWrite unwritten; // engine (reader) thread only
    /** The alert-state topic was recreated: the whole state is written into it before the next decision (engine thread). */
    private boolean restatePending;

    private Thread deliveryThread;
    private HttpServer http;

    /** Mail goes to SMTP when {@code config.smtp()} is set, else into the folder sink. Deploy with {@link ServiceRuntime#deploy}. */
    public AlertService(AlertSettings config, ServiceRuntime runtime) {
        this(
                config,
                runtime,
                v -> config.smtp()
                        .<MailSender>map(s -> new SmtpMailSender(
                                v,
                                s,
                                "videolb",
                                c -> c.setIdleTimeout(
                                        (int) Math.max(1, config.sendTimeout().toSeconds()))))
                        .orElseGet(() -> new FolderMailSink(config.sinkDir())));
    }

    /** With a given mail sender, made on the runtime's Vert.x (tests: trust a test certificate). */
    public AlertService(AlertSettings config, ServiceRuntime runtime, Function<Vertx, MailSender> senderFactory) {
        this(config, runtime, senderFactory, System::currentTimeMillis);
    }

    /**
     * With a clock (epoch ms) for every decision and retry time (tests: simulated time). SMTP attempts stay bounded by
     * {@code sendTimeout} in real time.
     */
    public AlertService(
            AlertSettings config,
            ServiceRuntime runtime,
            Function<Vertx, MailSender> senderFactory,
            java.util.function.LongSupplier clock) {
        this.clock = clock;
        this.facts = new Facts(config.bounds());
        this.config = config;
        this.runtime = runtime;
        this.senderFactory = senderFactory;
        this.book = new AlertBook(config.alerting());
    }

    /**
     * Ensures topics, loads the alert state and starts the engine and delivery threads on a worker
     * thread (all of it waits for Kafka), then listens on this verticle's context; completes when running.
     */
    @Override
    public Future<?> start() {
        if (!started.compareAndSet(false, true))
            return Future.failedFuture(new IllegalStateException("already started"));
        metrics = runtime.metrics(NAME);
        bindMetrics(metrics.registry());
        return vertx.executeBlocking(() -> {
                    startParts();
                    return null;
                })
                .compose(v -> {
                    Router router = ServiceEndpoints.mount(Router.router(vertx), this::health, metrics);
                    router.post("/outbox/retry").handler(this::retryDeadLetters);
                    return vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.httpHost());
                })
                .onSuccess(server -> http = server)
                .recover(e -> stop().transform(x -> Future.failedFuture(e)));
    }

    private void startParts() {
        ensureTopics(
                config.kafka().settings("alert-topic-admin-" + config.instanceId()),
                config.topics(),
                config.kafka().topicReplication());
        sender = senderFactory.apply(vertx);
        KafkaSettings kafka = config.kafka().settings("alert-" + config.instanceId());
        store = new AlertStateStore(
                kafka,
                config.topics().alertState(),
                "videolb-alert-" + config.topics().prefix() + "-" + config.instanceId(),
                counters::meta);
        AlertStateStore.Loaded loaded = store.load(Duration.ofSeconds(60));
        counters.restore(loaded.meta());
        book.restore(loaded.incidents());
        openIncidents = book.openCount();
        delivery = new Delivery(
                store,
                sender,
                counters,
                () -> recipients,
                config.retryBase(),
                config.retryMax(),
                config.sendTimeout(),
                clock);
        loaded.outbox().forEach(delivery::offer);
        int dead = delivery.deadLettered();
        int revived = delivery.retryDeadLetters(sender.describe());
        if (revived > 0)
            LOG.warn(
                    "the relay is now {}: {} mail(s) refused permanently by another relay are sent again",
                    sender.describe(),
                    revived);
        if (dead > revived)
            LOG.error(
                    "{} alert mail(s) refused permanently by {} are held as dead letters: `videolb alert retry` sends them again",
                    dead - revived,
                    sender.describe());
        LOG.info(
                "alert state loaded: {} incidents, {} mails pending, next mail #{} ({} records); mail goes to {}",
                loaded.incidents().size(),
                loaded.outbox().size(),
                loaded.meta().nextSeq(),
                loaded.records(),
                sender.describe());
        deliveryThread = NamedThreads.thread("alert-delivery", delivery);
        deliveryThread.start();
        engine = startEngine(kafka);
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
    public record Stats(
            long sent,
            long pending,
            long failed,
            long duplicates,
            long transientFailures,
            long openIncidents,
            long inputRecords,
            long inputRejected,
            String lastError,
            long deadLettered,
            String lastDeadLetterReply,
            boolean outboxFull) {}

    public Stats stats() {
        Delivery d = delivery;
        return new Stats(
                counters.sent.get(),
                d == null ? 0 : d.pending(),
                counters.failed.get(),
                counters.duplicates.get(),
                counters.transientFailures.get(),
                openIncidents,
                counters.inputRecords.get(),
                counters.inputRejected.get(),
                d == null ? "" : d.lastError(),
                d == null ? 0 : d.deadLettered(),
                d == null ? "" : d.lastDeadLetterReply(),
                outboxFull);
    }

    // ---------------------------------------------------------------- engine

    /**
     * Reads desired, health and agent-status from offset 0 (kafka-support's StateTopicReader, one
     * thread) into {@link Facts}; once read to their end, decides after every poll (at least every
     * 100 ms): conditions -> AlertBook -> one transaction with the incident changes and the mail. The same reader
     * watches the alert-state topic (its records are skipped) only to see it recreated: then the incidents and
     * the outbox are written into the new topic whole before the next decision.
     */
    private StateTopicReader startEngine(KafkaSettings kafka) {
        Topics t = config.topics();
        io.videolb.events.GenerationKeys keys = config.kafka().trust().generations();
        StateTopicReader.Listener listener = new StateTopicReader.Listener() {
            private DesiredStateFolder folder = new DesiredStateFolder(keys);
            /** After a recreation, until the inputs are read again: no decision on half-read facts. */
            private boolean readingAgain;

            @Override
            public void onRecord(StateRecord r) {
                if (r.topic().equals(t.alertState())) return; // read only to see it recreated (below)
                counters.inputRecords.incrementAndGet();
                try {
                    apply(folder, r);
                } catch (RuntimeException e) {
                    rejected(r, e.getMessage());
                }
            }

            @Override
            public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                // every input comes again from offset 0: the facts are rebuilt from them; the incidents (stored on
                // the alert-state topic) stay, and are decided on again once the inputs are read
                if (topic.equals(t.alertState())) {
                    // our own state topic: the new one lacks what was stored before; written again whole (tick)
                    LOG.warn(
                            "the alert-state topic {} was recreated: writing the incidents and the outbox into it again",
                            topic);
                    restatePending = true;
                }
                folder = new DesiredStateFolder(keys);
                facts = new Facts(config.bounds());
                readingAgain = true;
            }

            @Override
            public void onReadAgain() {
                readingAgain = false;
                LOG.info("alert inputs read again after a recreated topic; deciding again");
                if (caughtUp) tick();
            }

            @Override
            public void onCaughtUp() {
                readingAgain = false; // a recreation before the first catch-up: this is the read of the new topic
                caughtUp = true;
                LOG.info(
                        "alert inputs read to their end ({} records); deciding from now on",
                        counters.inputRecords.get());
                tick();
            }

            @Override
            public void afterPoll() {
                if (caughtUp && !readingAgain) tick();
            }

            @Override
            public void onError(Throwable e) {
                engineError = "alert engine stopped: " + e;
                engineStopped.countDown();
            }
        };
        // every director's own agent-status topic too, one added later included (decision 113)
        return AgentStatusTopics.read(
                kafka.withClientId("alert-engine-" + config.instanceId()),
                t,
                List.of(t.desired(), t.health(), t.agentStatus(), t.alertState()),
                listener,
                Duration.ofSeconds(30),
                Duration.ofMillis(100));
    }

    private void rejected(StateRecord r, String problem) {
        counters.inputRejected.incrementAndGet();
        LOG.warn("ignored record {}@{} key {}: {}", r.topic(), r.offset(), oneLine(r.key()), oneLine(problem));
    }

    /** One decision step; a fencing error (IllegalStateException) stops the engine, other store errors are retried. */
    private void tick() {
        if (!running) return;
        if (restatePending) {
            try {
                store.rewrite(List.copyOf(book.incidents().values()), delivery::heldMails);
                restatePending = false;
                LOG.info(
                        "alert state written again into the recreated topic: {} incidents, {} mails held",
                        book.incidents().size(),
                        delivery.held());
            } catch (RuntimeException e) {
                engineError = "cannot write the alert state into the recreated topic: " + e.getMessage();
                LOG.warn("{}; retrying", engineError);
                if (e instanceof IllegalStateException) throw e;
                sleep(1000);
                return;
            }
        }
        if (unwritten == null) unwritten = decide(clock.getAsLong());
        if (unwritten == null) return;
        try {
            store.write(
                    unwritten.changes.put(),
                    unwritten.changes.removed(),
                    unwritten.mail == null ? List.of() : List.of(unwritten.mail),
                    List.of());
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
        book.observe(facts.conditions(now), now);
        // the outbox bound: at it, no new mail; the changes wait in the book (stored with the incidents) and go,
        // coalesced, into the first mail composed once a held mail has gone
        boolean full = delivery.held() >= config.outboxMax();
        if (full != outboxFull)
            LOG.warn(
                    full
                            ? "alert outbox full ({} mails held): incident changes are kept and coalesced into the next mail"
                            : "alert outbox below its bound ({} mails held) again",
                    delivery.held());
        outboxFull = full;
        Optional<Digest> d = full ? Optional.empty() : book.due(now);
        AlertBook.Changes changes = book.changes();
        openIncidents = book.openCount();
        if (d.isEmpty() && changes.isEmpty()) return null;
        OutboxMail mail = null;
        if (d.isPresent()) {
            long seq = counters.nextSeq.getAndIncrement();
            String domain =
                    config.from().value().substring(config.from().value().indexOf('@') + 1);
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
            long refused = folder.refusedTotal();
            long skipped = folder.skippedTotal();
            folder.apply(key, r.value()).ifPresent(facts::desired); // never throws (issue 13)
            if (folder.refusedTotal() != refused)
                rejected(
                        r,
                        folder.refusal().map(DesiredStateFolder.Refusal::reason).orElse("refused"));
            if (folder.skippedTotal() != skipped)
                rejected(r, folder.lastSkipped().orElse("skipped"));
        } else if (r.topic().equals(t.health())) {
            HealthRecord.Unreadable u = facts.health(key, r.value()).unreadable();
            if (u != null) rejected(r, u.problem());
        } else if (t.isAgentStatus(r.topic())) {
            facts.agent(key, r.value() == null ? null : Json.read(r.value(), AgentStatus.class));
        }
    }

    // ---------------------------------------------------------------- http

    private HealthReport health() {
        Stats s = stats();
        boolean engineUp = engineStopped.getCount() > 0 && running;
        String status = !engineUp
                ? "DOWN"
                : !caughtUp
                        ? "STARTING"
                        : !s.lastError().isEmpty() || !engineError.isEmpty() || s.deadLettered() > 0 || s.outboxFull()
                                ? "DEGRADED"
                                : "UP";
        JsonObject o = new JsonObject()
                .put("status", status)
                .put("caughtUp", caughtUp)
                .put("openIncidents", s.openIncidents())
                .put("pendingMails", s.pending())
                .put("oldestPendingSinceMs", delivery == null ? 0 : delivery.oldestPendingCreatedAtMs())
                .put("mailTarget", sender == null ? "" : sender.describe())
                .put(
                        "recipients",
                        new JsonArray(
                                recipients.stream().map(MailAddress::value).toList()))
                .put("lastDeliveryError", s.lastError())
                .put("engineError", engineError)
                .put("recentPermanentFailures", new JsonArray(counters.recentFailures()))
                .put("deadLetters", s.deadLettered())
                .put("lastDeadLetterReply", s.lastDeadLetterReply())
                .put("deadLetterMails", deadLetterList())
                .put("outboxHeld", delivery == null ? 0 : delivery.held())
                .put("outboxMax", config.outboxMax())
                .put("outboxFull", s.outboxFull());
        return new HealthReport(engineUp && caughtUp, o);
    }

    /** The newest dead letters (at most 10): what an operator needs to decide on a retry. */
    private JsonArray deadLetterList() {
        JsonArray a = new JsonArray();
        if (delivery == null) return a;
        List<OutboxMail> dead = delivery.deadLetters();
        for (OutboxMail m : dead.subList(Math.max(0, dead.size() - 10), dead.size())) {
            a.add(new JsonObject()
                    .put("seq", m.seq())
                    .put("messageId", m.messageId())
                    .put("subject", m.subject())
                    .put("reply", m.lastError())
                    .put("refusedBy", m.refusedBy())
                    .put("createdAtMs", m.createdAtMs()));
        }
        return a;
    }

    /**
     * {@code POST /outbox/retry}: every dead letter back in the queue; answers {@code {"requeued": N}}. Only for
     * loopback peers (403 otherwise), like the agent's {@code /persistence}: alert-service's HTTP has no tokens and
     * listens on 127.0.0.1 by default; the CLI ({@code videolb alert retry}) runs on the same machine.
     */
    private void retryDeadLetters(io.vertx.ext.web.RoutingContext ctx) {
        String peer = ctx.request().remoteAddress() == null
                ? null
                : ctx.request().remoteAddress().host();
        if (!isLoopback(peer)) {
            ctx.response()
                    .setStatusCode(403)
                    .putHeader("content-type", "application/json")
                    .end(new JsonObject()
                            .put("error", "POST /outbox/retry answers only on the alert-service host itself (loopback)")
                            .encode());
            return;
        }
        Delivery d = delivery;
        if (d == null) {
            ctx.response().setStatusCode(503).end();
            return;
        }
        int n = d.retryDeadLetters(null);
        LOG.warn("operator retry: {} dead-lettered alert mail(s) back in the queue", n);
        ctx.response()
                .putHeader("content-type", "application/json")
                .end(new JsonObject()
                        .put("requeued", n)
                        .put("pending", d.pending())
                        .put("mailTarget", sender.describe())
                        .encode());
    }

    /** A literal loopback address (127.0.0.0/8, ::1); names and null are not. */
    static boolean isLoopback(String host) {
        if (host == null) return false;
        if (host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")) return true;
        try {
            return io.videolb.model.Ipv4Network.parse("127.0.0.0/8").contains(io.videolb.model.Ipv4Address.parse(host));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The series of the hand-written text this replaced, with the same names and meanings. */
    private void bindMetrics(MeterRegistry r) {
        FunctionCounter.builder("videolb.alert.mails.sent", counters.sent, AtomicLong::get)
                .description("mails accepted by the server (250)")
                .register(r);
        Gauge.builder("videolb.alert.mails.pending", this, s -> s.stats().pending())
                .description("mails in the outbox waiting for 250")
                .register(r);
        FunctionCounter.builder("videolb.alert.mails.failed", counters.failed, AtomicLong::get)
                .description("send attempts refused permanently (5xx); each mail is kept as a dead letter")
                .register(r);
        Gauge.builder("videolb.alert.mails.dead.lettered", this, s -> s.stats().deadLettered())
                .description("mails refused permanently (5xx), held until `videolb alert retry` or a new relay")
                .register(r);
        Gauge.builder("videolb.alert.outbox.full", this, s -> s.outboxFull ? 1 : 0)
                .description("1 while the outbox holds VIDEOLB_ALERT_OUTBOX_MAX mails (changes are coalesced)")
                .register(r);
        FunctionCounter.builder("videolb.alert.mail.duplicates", counters.duplicates, AtomicLong::get)
                .description("mails re-sent after an attempt with unknown outcome (same Message-ID)")
                .register(r);
        FunctionCounter.builder("videolb.alert.mail.transient.failures", counters.transientFailures, AtomicLong::get)
                .description("send attempts that failed and will be retried")
                .register(r);
        Gauge.builder("videolb.alert.incidents.open", this, s -> s.openIncidents)
                .description("open incidents")
                .register(r);
        FunctionCounter.builder("videolb.alert.input.records", counters.inputRecords, AtomicLong::get)
                .description("records read from health, agent-status and desired")
                .register(r);
        FunctionCounter.builder("videolb.alert.input.rejected", counters.inputRejected, AtomicLong::get)
                .description("input records ignored as malformed")
                .register(r);
        Gauge.builder("videolb.alert.caught.up", this, s -> s.caughtUp ? 1 : 0)
                .description("1 once the inputs were read to their end")
                .register(r);
    }

    // ---------------------------------------------------------------- lifecycle

    /** Creates the missing topics (kafka-support's TopicAdmin: compacted state topics, waits for leaders). */
    static void ensureTopics(KafkaSettings admin, Topics topics, TopicReplication replication) {
        TopicAdmin.ensure(admin, topics, replication);
    }

    /** Stops promptly (on a worker thread: it joins the delivery thread): the engine and delivery threads end, the outbox stays in Kafka. */
    @Override
    public Future<?> stop() {
        return ServiceStop.inOrder(vertx, this::closeParts, http, metrics);
    }

    private void closeParts() {
        if (!closed.compareAndSet(false, true)) return;
        running = false;
        if (delivery != null) delivery.stop();
        if (engine != null) engine.close();
        engineStopped.countDown();
        join(deliveryThread);
        if (sender != null) sender.close();
        if (store != null) store.close();
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
