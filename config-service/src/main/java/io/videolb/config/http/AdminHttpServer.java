package io.videolb.config.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.videolb.config.auth.AccessAudit;
import io.videolb.config.auth.FailureLimiter;
import io.videolb.config.auth.TokenStore;
import io.videolb.config.cluster.ClusterView;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.desired.DesiredStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP server of config-service: the {@link AdminApi} router (plus any routes the
 * owner adds, e.g. {@code /health} and {@code /ready}) on one port, with TLS when a PEM
 * certificate and key are configured (then every answer carries {@code Strict-Transport-Security}).
 *
 * <p>The token file is re-read when it changes (looked at every {@link #TOKEN_CHECK_MS} ms) and on SIGHUP, so a
 * token removed from it stops working without a restart ({@link TokenStore}). A non-loopback address without TLS is
 * refused by {@link AdminApiSettings} unless {@code VIDEOLB_API_INSECURE_HTTP} allows it; then every start warns.
 *
 * <pre>{@code
 * AdminHttpServer http = new AdminHttpServer(vertx, AdminApiSettings.builder(tokenFile).build(),
 *         store, new ConfigReaderCsvFiles(), view, router -> router.get("/health").handler(...));
 * http.start();   // returns when listening
 * http.close();   // prompt, idempotent
 * }</pre>
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);

    private final Vertx vertx;
    private final AdminApiSettings config;
    private final AdminApi api;
    private final Consumer<Router> extraRoutes;
    /** How often the token file's modification time, size and identity are looked at. */
    public static final long TOKEN_CHECK_MS = 1000;
    /** HSTS under TLS: one year; no includeSubDomains (the admin host's domain may serve other sites). */
    static final String HSTS = "max-age=31536000";

    private final AtomicBoolean closed = new AtomicBoolean();
    private final TokenStore tokens;
    private final AccessAudit access = new AccessAudit();
    private volatile HttpServer server;
    private volatile long tokenTimer = -1;
    private volatile Runnable signalRestore;

    public AdminHttpServer(
            Vertx vertx,
            AdminApiSettings config,
            DesiredStore store,
            CsvFiles csv,
            ClusterView view,
            Consumer<Router> extraRoutes) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.config = Objects.requireNonNull(config, "config");
        try {
            tokens = TokenStore.load(config.tokenFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + config.tokenFile(), e);
        }
        this.api = new AdminApi(
                store,
                csv,
                view,
                tokens,
                config.bodyLimitBytes(),
                config.importLimitBytes(),
                config.promoteParity(),
                new FailureLimiter(config.authFailures(), config.authWindow(), 100_000),
                access);
        this.extraRoutes = extraRoutes == null ? r -> {} : extraRoutes;
    }

    /** Binds the port; returns when listening (or throws). Waits: never call it on a Vert.x thread (there: {@link #listen()}). */
    public AdminHttpServer start() {
        try {
            return listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            api.close();
            throw new IllegalStateException(
                    "admin API cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** Binds the port without waiting (on the owner's Vert.x context: the handlers run there); fails with the reason. */
    public Future<AdminHttpServer> listen() {
        Router router = Router.router(vertx);
        if (config.tls())
            router.route().handler(ctx -> {
                ctx.response().putHeader("Strict-Transport-Security", HSTS);
                ctx.next();
            });
        extraRoutes.accept(router);
        router.route("/*").subRouter(api.router(vertx));
        HttpServerOptions opts = new HttpServerOptions()
                .setHost(config.host())
                .setPort(config.port())
                .setMaxHeaderSize(16 * 1024)
                .setCompressionSupported(true);
        if (config.tls()) {
            for (Path p : new Path[] {config.tlsCert(), config.tlsKey()}) {
                if (!Files.isReadable(p)) {
                    api.close();
                    return Future.failedFuture(new IllegalArgumentException("TLS file is not readable: " + p));
                }
            }
            opts.setSsl(true)
                    .setKeyCertOptions(new PemKeyCertOptions()
                            .setCertPath(config.tlsCert().toString())
                            .setKeyPath(config.tlsKey().toString()));
        }
        return vertx.createHttpServer(opts)
                .requestHandler(router)
                .listen()
                .<AdminHttpServer>map(s -> {
                    server = s;
                    watchTokens();
                    if (config.exposedWithoutTls())
                        LOG.warn(
                                "admin API on {} WITHOUT TLS (VIDEOLB_API_INSECURE_HTTP=true): bearer tokens cross the"
                                        + " network in clear; set VIDEOLB_API_TLS_CERT and VIDEOLB_API_TLS_KEY",
                                config.host());
                    LOG.info(
                            "admin API listening on {}://{}:{}/api/v1",
                            config.tls() ? "https" : "http",
                            config.host(),
                            s.actualPort());
                    return this;
                })
                .recover(e -> {
                    api.close();
                    return Future.failedFuture(new IllegalStateException(
                            "admin API cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(),
                            e));
                });
    }

    /** The token file: a timer looks for a change; SIGHUP re-reads it now (the JVM's own HUP action is replaced). */
    private void watchTokens() {
        tokenTimer = vertx.setPeriodic(TOKEN_CHECK_MS, id -> vertx.executeBlocking(tokens::reloadIfChanged, false));
        signalRestore = SighupHandler.install(() -> vertx.executeBlocking(
                () -> {
                    tokens.reload();
                    return null;
                },
                false));
    }

    /** The refused requests of this server (what {@code GET /api/v1/audit/access} shows). */
    public AccessAudit accessAudit() {
        return access;
    }

    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    public AdminApiSettings config() {
        return config;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        if (tokenTimer >= 0) vertx.cancelTimer(tokenTimer);
        Runnable restore = signalRestore;
        if (restore != null) restore.run();
        HttpServer s = server;
        if (s != null) {
            try {
                s.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("admin API did not close cleanly: {}", e.getMessage());
            }
        }
        api.close();
    }
}
