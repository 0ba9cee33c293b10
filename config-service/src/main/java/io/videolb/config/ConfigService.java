package io.videolb.config;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.videolb.config.cluster.KafkaClusterView;
import io.videolb.config.csv.ConfigReaderCsvFiles;
import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.desired.PublisherDesiredStore;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.config.http.AdminHttpServer;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.MassRemovalGuard;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.GenerationMarker;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.PublishException;
import io.videolb.kafka.SharedAdmin;
import io.videolb.kafka.TopicAdmin;
import io.videolb.kafka.WriteAvailability;
import io.videolb.model.DesiredState;
import io.videolb.runtime.HealthReport;
import io.videolb.runtime.ServiceEndpoints;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.ServiceStop;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * config-service's entry class: ensures the topics, starts the {@link DesiredStatePublisher}
 * (reads the desired topic to its end), imports a CSV directory if configured, and serves
 * {@code GET /health} (the process runs) and {@code GET /ready} (read to the end, able to publish)
 * and {@code GET /metrics} over the process's Vert.x: a verticle on the {@link ServiceRuntime}, whose
 * {@code deploy} returns when all of that runs; undeploying it (or closing the runtime) stops it promptly.
 *
 * <p>With an admin API configuration ({@link ConfigServiceSettings#adminApi}, from {@code VIDEOLB_API_TOKENS} in
 * {@link ConfigServiceSettings#read}) the same one HTTP port also serves the admin API and its page
 * ({@link AdminHttpServer}: token file, TLS and body limits from that configuration, host and port
 * from this one). Without it only {@code /health} and {@code /ready} are served.
 */
public final class ConfigService extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigService.class);

    /** The name in logs, on {@code /metrics} ({@code service="config-service"}) and in the standalone ready line. */
    public static final String NAME = "config-service";
    /** How often the Kafka cluster is checked for writability, and how long one check may take. */
    static final Duration WRITE_CHECK_INTERVAL = Duration.ofMillis(500);

    static final Duration WRITE_CHECK_TIMEOUT = Duration.ofMillis(1500);

    private final ConfigServiceSettings config;
    private final ServiceRuntime runtime;
    private ServiceMetrics metrics;
    private ConfigServiceMetrics configMetrics;
    private DesiredStatePublisher publisher;
    private HttpServer server;
    private KafkaClusterView view;
    private WriteAvailability writable;
    private final java.util.concurrent.atomic.AtomicBoolean resolving = new java.util.concurrent.atomic.AtomicBoolean();
    private AdminHttpServer admin;
    private volatile boolean closed;

    /** Deploy with {@link ServiceRuntime#deploy}. */
    public ConfigService(ConfigServiceSettings config, ServiceRuntime runtime) {
        this.config = Objects.requireNonNull(config, "config");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Ensures the topics, reads the desired topic, imports the folder and reads the token file on a
     * worker thread (all of it waits for Kafka or the disk), then listens on this verticle's context.
     * Fails with {@link IllegalStateException} if the broker cannot be reached or the import
     * directory is invalid (each problem logged).
     */
    @Override
    public Future<?> start() {
        metrics = runtime.metrics(NAME);
        return vertx.executeBlocking(() -> {
                    startParts();
                    return null;
                })
                .compose(v -> listen())
                .onSuccess(v -> LOG.info(
                        "config-service ready: generation {}, http {}{}",
                        publisher.generation(),
                        config.httpPort() >= 0 ? httpPort() : "off",
                        admin != null
                                ? " (admin API and page, /health, /ready, /metrics)"
                                : config.httpPort() >= 0
                                        ? " (/health, /ready and /metrics only: no admin API token file configured)"
                                        : ""))
                .recover(e -> stop().transform(x -> Future.failedFuture(e)));
    }

    private void startParts() {
        KafkaSettings settings = config.kafka().settings(config.instanceId());
        // one Admin client for the topics, the retention and the readers' topic checks of the start (SharedAdmin)
        try (SharedAdmin.Lease startAdmin = SharedAdmin.acquire(settings.admin())) {
            startParts(settings);
        }
    }

    private void startParts(KafkaSettings settings) {
        TopicAdmin.ensure(
                settings.withClientId(config.instanceId() + "-topic-admin"),
                config.topics(),
                config.kafka().topicReplication());
        publisher = DesiredStatePublisher.start(
                settings,
                config.topics(),
                DesiredStatePublisher.defaultTransactionalId(config.topics()),
                config.startTimeout(),
                config.kafka().trust().generations());
        // every generation younger than the retention keeps its base in the history topic if the topic keeps twice it
        TopicAdmin.setRetention(
                settings.withClientId(config.instanceId() + "-topic-admin"),
                config.topics().desiredHistory(),
                config.historyRetention().multipliedBy(2),
                Duration.ofSeconds(30));
        publisher.historyRetention(config.historyRetention());
        configMetrics = new ConfigServiceMetrics(metrics.registry(), publisher);
        writable = WriteAvailability.start(
                settings,
                java.util.List.of(config.topics().desired(), config.topics().audit()),
                DesiredStatePublisher.defaultTransactionalId(config.topics()),
                WRITE_CHECK_INTERVAL,
                WRITE_CHECK_TIMEOUT);
        try {
            writable.awaitFirstCheck(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // an edit whose commit outcome is unknown is resolved (re-init, re-read) as soon as the cluster takes writes
        writable.whileWritable(() -> {
            if (publisher.unresolved() && !closed && resolving.compareAndSet(false, true)) {
                vertx.executeBlocking(() -> publisher.resolve(), false).onComplete(r -> resolving.set(false));
            }
        });
        if (config.importDir().isPresent()) importAtStart(config.importDir().get());
        if (config.adminApi().isPresent()) {
            AdminApiSettings api = config.adminApi().get();
            view = KafkaClusterView.start(settings, config.topics(), Duration.ofSeconds(60));
            AdminApiSettings onOurPort = api.toBuilder()
                    .host(config.httpHost())
                    .port(config.httpPort())
                    .build();
            admin = new AdminHttpServer(
                    vertx,
                    onOurPort,
                    new PublisherDesiredStore(publisher, writable::refusal),
                    new ConfigReaderCsvFiles(new CsvConfigReader(config.limits())),
                    view,
                    this::ownRoutes);
        }
    }

    /** The admin API with /health, /ready and /metrics beside it, or only those three; nothing with HTTP off. */
    private Future<?> listen() {
        if (admin != null) return admin.listen();
        if (config.httpPort() < 0) return Future.succeededFuture();
        Router router = Router.router(vertx);
        ownRoutes(router);
        return vertx.createHttpServer()
                .requestHandler(router)
                .listen(config.httpPort(), config.httpHost())
                .onSuccess(s -> server = s)
                .recover(e -> Future.failedFuture(new IllegalStateException(
                        "cannot listen on " + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage(), e)));
    }

    private void ownRoutes(Router router) {
        router.route().handler(configMetrics.requests());
        router.get("/health")
                .handler(ServiceEndpoints.health(
                        () -> new HealthReport(!closed, new JsonObject().put("status", closed ? "DOWN" : "UP"))));
        router.get("/metrics").handler(ServiceEndpoints.metrics(metrics));
        router.get("/ready").handler(this::ready);
    }

    private void importAtStart(Path dir) {
        CsvReadResult r = new CsvConfigReader(config.limits()).read(dir);
        if (r instanceof CsvReadResult.Invalid invalid) {
            invalid.problems().forEach(p -> LOG.error("{}", p));
            configMetrics.startImport("invalid");
            throw new IllegalStateException(dir + " is not a valid configuration: "
                    + invalid.problems().size() + " problem(s), nothing published");
        }
        CsvReadResult.Valid valid = (CsvReadResult.Valid) r;
        valid.notes().forEach(n -> LOG.warn("{}", n));
        Optional<DesiredSnapshot> current = publisher.current();
        String filesDigest = DesiredRecords.digest(DesiredRecords.encode(valid.state()));
        if (current.isPresent() && current.get().marker().lastImportHad(filesDigest)) {
            // the files are what was last imported: what changed since came through the API and must survive a restart
            DesiredSnapshot c = current.get();
            if (c.marker().digest().equals(filesDigest)) {
                LOG.info("import of {}: unchanged (generation {})", dir, c.generation());
                configMetrics.startImport("unchanged");
            } else {
                configMetrics.startImport("kept_api_changes");
                LOG.info(
                        "import of {}: unchanged since it was last imported; keeping generation {} with the changes made through"
                                + " the API since (last by {} via {}); edit the files or use `videolb import` to replace them",
                        dir,
                        c.generation(),
                        c.marker().actor(),
                        c.marker().source());
            }
            return;
        }
        Optional<String> refused = MassRemovalGuard.DEFAULT.refusal(
                current.map(DesiredSnapshot::state).orElse(null), valid.state());
        if (refused.isPresent()) {
            // the service still starts, on the state it has: the directors keep serving it
            LOG.error(
                    "import of {} at start refused: {}; generation {} stays in force (to apply the files: videolb import {} --force)",
                    dir,
                    refused.get(),
                    current.get().generation(),
                    dir);
            configMetrics.startImport("refused");
            return;
        }
        if (current.isPresent() && current.get().marker().changedSinceLastImport()) {
            LOG.warn(
                    "import of {}: the files changed since their last import, and generation {} holds changes made through the API since"
                            + " that import: the files replace them",
                    dir,
                    current.get().generation());
        }
        PublishResult result = publishAtStart(valid.state(), dir);
        LOG.info("import of {}: {}", dir, ConfigCli.describe(result));
        configMetrics.startImport(
                result instanceof PublishResult.Published
                        ? "published"
                        : result instanceof PublishResult.Unchanged ? "unchanged" : "rejected");
    }

    /** How long the import at start retries while Kafka is slow or away before the start fails. */
    static final Duration START_IMPORT_BUDGET = Duration.ofSeconds(120);

    /**
     * The import's publish, tried again while the failure is transient ({@link PublishException#isTransient()}: a
     * broker too slow to answer within the producer's bound, as a starved director's embedded broker is), with
     * backoff 0.5 s doubling to 8 s, bounded by {@link #START_IMPORT_BUDGET}; a refusal (authorisation, fencing)
     * fails at once. Each attempt re-reads the topic first when the last one left its state unknown, so a commit that
     * did become visible is found, not published twice.
     */
    private PublishResult publishAtStart(DesiredState state, Path dir) {
        long deadline = System.nanoTime() + START_IMPORT_BUDGET.toNanos();
        long backoffMs = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                PublishResult r = publisher.publish(state, GenerationMarker.FILE_IMPORT_PREFIX + dir, "config-service");
                if (attempt > 1) LOG.info("import of {} at start: published at attempt {}", dir, attempt);
                return r;
            } catch (PublishException e) {
                if (!e.isTransient() || System.nanoTime() + backoffMs * 1_000_000L - deadline > 0) throw e;
                LOG.warn(
                        "import of {} at start: attempt {} failed, Kafka slow or away ({}); trying again in {} ms"
                                + " (for at most {} s in all)",
                        dir,
                        attempt,
                        e.getMessage(),
                        backoffMs,
                        START_IMPORT_BUDGET.toSeconds());
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMs = Math.min(backoffMs * 2, 8_000);
            }
        }
    }

    private void ready(RoutingContext ctx) {
        DesiredStatePublisher p = publisher;
        Optional<String> refused = writable == null ? Optional.of("starting") : writable.refusal();
        boolean ok = p != null && p.ready() && refused.isEmpty();
        JsonObject body = new JsonObject().put("ready", ok).put("generation", p == null ? 0 : p.generation());
        if (p != null) p.failure().ifPresent(f -> body.put("reason", f));
        if (!body.containsKey("reason")) refused.ifPresent(r -> body.put("reason", r));
        ctx.response().setStatusCode(ok ? 200 : 503);
        ctx.json(body);
    }

    /** The publisher (for the admin API); valid after {@link #start()}. */
    public DesiredStatePublisher publisher() {
        if (publisher == null) throw new IllegalStateException("not started");
        return publisher;
    }

    /** The bound HTTP port (after start; -1 when HTTP is off). */
    public int httpPort() {
        if (admin != null) return admin.port();
        return server == null ? -1 : server.actualPort();
    }

    /** True when the admin API is served (after {@link #start()}). */
    public boolean adminApi() {
        return admin != null;
    }

    public boolean ready() {
        return publisher != null
                && publisher.ready()
                && writable != null
                && writable.refusal().isEmpty();
    }

    /** Stops the admin API, the cluster view and the publisher on a worker thread (each waits for its clients), then the plain HTTP server. */
    @Override
    public Future<?> stop() {
        closed = true;
        return ServiceStop.inOrder(vertx, this::closeParts, server, metrics);
    }

    private void closeParts() {
        if (admin != null) admin.close();
        if (view != null) view.close();
        if (writable != null) writable.close();
        if (publisher != null) publisher.close();
    }
}
