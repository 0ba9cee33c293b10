package io.videolb.config.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import io.videolb.config.auth.TokenFile;
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
 * certificate and key are configured.
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
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile HttpServer server;

    public AdminHttpServer(
            Vertx vertx,
            AdminApiSettings config,
            DesiredStore store,
            CsvFiles csv,
            ClusterView view,
            Consumer<Router> extraRoutes) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.config = Objects.requireNonNull(config, "config");
        TokenFile tokens;
        try {
            tokens = TokenFile.load(config.tokenFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + config.tokenFile(), e);
        }
        this.api = new AdminApi(
                store, csv, view, tokens, config.bodyLimitBytes(), config.importLimitBytes(), config.promoteParity());
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

    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    public AdminApiSettings config() {
        return config;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
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
