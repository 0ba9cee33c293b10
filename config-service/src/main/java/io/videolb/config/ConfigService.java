package io.videolb.config;

import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.config.http.AdminHttpServer;
import io.videolb.config.http.ConfigReaderCsvFiles;
import io.videolb.config.http.KafkaClusterView;
import io.videolb.config.http.PublisherDesiredStore;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.MassRemovalGuard;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.GenerationMarker;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicAdmin;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * config-service's entry class: ensures the topics, starts the {@link DesiredStatePublisher}
 * (reads the desired topic to its end), imports a CSV directory if configured, and serves
 * {@code GET /health} (the process runs) and {@code GET /ready} (read to the end, able to publish)
 * over Vert.x. {@link #start()} returns when all of that runs; {@link #close()} is prompt and idempotent.
 *
 * <p>With an admin API configuration ({@link ConfigServiceSettings#adminApi}, from {@code VIDEOLB_API_TOKENS} in
 * {@link ConfigServiceSettings#read}) the same one HTTP port also serves the admin API and its page
 * ({@link AdminHttpServer}: token file, TLS and body limits from that configuration, host and port
 * from this one). Without it only {@code /health} and {@code /ready} are served.
 */
public final class ConfigService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigService.class);

    private final ConfigServiceSettings config;
    private DesiredStatePublisher publisher;
    private Vertx vertx;
    private HttpServer server;
    private KafkaClusterView view;
    private AdminHttpServer admin;
    private volatile boolean closed;

    public ConfigService(ConfigServiceSettings config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Starts everything and returns once running.
     *
     * @throws IllegalStateException if the broker cannot be reached, or the import directory is invalid (each problem logged)
     */
    public synchronized void start() {
        if (closed) throw new IllegalStateException("closed");
        try {
            KafkaSettings settings = config.kafka().settings(config.instanceId());
            TopicAdmin.ensure(settings.withClientId(config.instanceId() + "-topic-admin"), config.topics());
            publisher = DesiredStatePublisher.start(settings, config.topics(), DesiredStatePublisher.defaultTransactionalId(config.topics()),
                    config.startTimeout());
            if (config.importDir().isPresent()) importAtStart(config.importDir().get());
            if (config.adminApi().isPresent()) startAdminApi(settings, config.adminApi().get());
            else if (config.httpPort() >= 0) startHttp();
            LOG.info("config-service ready: generation {}, http {}{}", publisher.generation(), config.httpPort() >= 0 ? httpPort() : "off",
                    admin != null ? " (admin API and page, /health, /ready)" : config.httpPort() >= 0 ? " (/health and /ready only: no admin API token file configured)" : "");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void importAtStart(Path dir) {
        CsvReadResult r = new CsvConfigReader(config.limits()).read(dir);
        if (r instanceof CsvReadResult.Invalid invalid) {
            invalid.problems().forEach(p -> LOG.error("{}", p));
            throw new IllegalStateException(dir + " is not a valid configuration: " + invalid.problems().size() + " problem(s), nothing published");
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
            } else {
                LOG.info("import of {}: unchanged since it was last imported; keeping generation {} with the changes made through"
                        + " the API since (last by {} via {}); edit the files or use `videolb import` to replace them", dir, c.generation(),
                        c.marker().actor(), c.marker().source());
            }
            return;
        }
        Optional<String> refused = MassRemovalGuard.DEFAULT.refusal(current.map(DesiredSnapshot::state).orElse(null), valid.state());
        if (refused.isPresent()) {
            // the service still starts, on the state it has: the directors keep serving it
            LOG.error("import of {} at start refused: {}; generation {} stays in force (to apply the files: videolb import {} --force)",
                    dir, refused.get(), current.get().generation(), dir);
            return;
        }
        if (current.isPresent() && current.get().marker().changedSinceLastImport()) {
            LOG.warn("import of {}: the files changed since their last import, and generation {} holds changes made through the API since"
                    + " that import: the files replace them", dir, current.get().generation());
        }
        PublishResult result = publisher.publish(valid.state(), GenerationMarker.FILE_IMPORT_PREFIX + dir, "config-service");
        LOG.info("import of {}: {}", dir, ConfigCli.describe(result));
    }

    private void startHttp() {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        router.get("/ready").handler(this::ready);
        try {
            server = vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.httpHost())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot listen on " + config.httpHost() + ":" + config.httpPort() + ": " + e.getMessage(), e);
        }
    }

    /** The admin API on the one HTTP port, with /health and /ready mounted beside it. */
    private void startAdminApi(KafkaSettings settings, AdminApiSettings api) {
        vertx = Vertx.vertx();
        view = KafkaClusterView.start(settings, config.topics(), Duration.ofSeconds(60));
        AdminApiSettings onOurPort = api.toBuilder().host(config.httpHost()).port(config.httpPort()).build();
        admin = new AdminHttpServer(vertx, onOurPort, new PublisherDesiredStore(publisher),
                new ConfigReaderCsvFiles(new CsvConfigReader(config.limits())), view, router -> {
                    router.get("/health").handler(this::health);
                    router.get("/ready").handler(this::ready);
                });
        admin.start();
    }

    private void health(RoutingContext ctx) {
        ctx.json(new JsonObject().put("status", "UP"));
    }

    private void ready(RoutingContext ctx) {
        DesiredStatePublisher p = publisher;
        boolean ok = p != null && p.ready();
        JsonObject body = new JsonObject().put("ready", ok).put("generation", p == null ? 0 : p.generation());
        if (p != null) p.failure().ifPresent(f -> body.put("reason", f));
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
        return publisher != null && publisher.ready();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (admin != null) admin.close();
        if (view != null) view.close();
        if (vertx != null) {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("closing Vert.x: {}", e.toString());
            }
        }
        if (publisher != null) publisher.close();
    }
}
