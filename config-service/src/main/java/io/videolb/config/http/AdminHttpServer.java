package io.videolb.config.http;

import io.videolb.config.auth.TokenFile;
import io.videolb.config.cluster.ClusterView;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.desired.DesiredStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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
 * AdminHttpServer http = new AdminHttpServer(vertx, AdminHttpServer.Config.fromEnv(System.getenv()),
 *         store, new ConfigReaderCsvFiles(), view, router -> router.get("/health").handler(...));
 * http.start();   // returns when listening
 * http.close();   // prompt, idempotent
 * }</pre>
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);

    /**
     * @param host             address to bind (default 127.0.0.1)
     * @param port             port (default 8443 with TLS, 8088 without; 0 picks a free one)
     * @param tokenFile        token file ({@code name:role:sha256hex} per line), required
     * @param tlsCert          PEM certificate chain, or null for plain HTTP
     * @param tlsKey           PEM private key (PKCS#8 or PKCS#1), with tlsCert
     * @param bodyLimitBytes   largest body of a JSON write (default 64 KiB)
     * @param importLimitBytes largest body of an import or plan with CSV files (default 64 MiB)
     */
    public record Config(String host, int port, Path tokenFile, Path tlsCert, Path tlsKey, int bodyLimitBytes, int importLimitBytes) {
        public static final int DEFAULT_BODY_LIMIT = 64 * 1024;
        public static final int DEFAULT_IMPORT_LIMIT = 64 * 1024 * 1024;

        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tokenFile, "tokenFile (VIDEOLB_API_TOKENS)");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
            if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("TLS needs both a certificate and a key");
            if (bodyLimitBytes < 1024) throw new IllegalArgumentException("body limit must be at least 1024 bytes");
            if (importLimitBytes < bodyLimitBytes) throw new IllegalArgumentException("import limit must be at least the body limit");
        }

        public static Config of(int port, Path tokenFile) {
            return new Config("127.0.0.1", port, tokenFile, null, null, DEFAULT_BODY_LIMIT, DEFAULT_IMPORT_LIMIT);
        }

        public Config withTls(Path cert, Path key) {
            return new Config(host, port, tokenFile, cert, key, bodyLimitBytes, importLimitBytes);
        }

        public Config withHost(String h) {
            return new Config(h, port, tokenFile, tlsCert, tlsKey, bodyLimitBytes, importLimitBytes);
        }

        public Config withLimits(int body, int imports) {
            return new Config(host, port, tokenFile, tlsCert, tlsKey, body, imports);
        }

        public boolean tls() {
            return tlsCert != null;
        }

        /**
         * From environment variables: {@code VIDEOLB_API_HOST}, {@code VIDEOLB_API_PORT},
         * {@code VIDEOLB_API_TOKENS} (required), {@code VIDEOLB_API_TLS_CERT}, {@code VIDEOLB_API_TLS_KEY},
         * {@code VIDEOLB_API_BODY_LIMIT}, {@code VIDEOLB_API_IMPORT_LIMIT}.
         */
        public static Config fromEnv(Map<String, String> env) {
            String tokens = env.get("VIDEOLB_API_TOKENS");
            if (tokens == null || tokens.isBlank()) throw new IllegalArgumentException("VIDEOLB_API_TOKENS (the token file) must be set");
            Path cert = path(env.get("VIDEOLB_API_TLS_CERT"));
            Path key = path(env.get("VIDEOLB_API_TLS_KEY"));
            int port = intOr(env, "VIDEOLB_API_PORT", cert != null ? 8443 : 8088);
            return new Config(env.getOrDefault("VIDEOLB_API_HOST", "127.0.0.1"), port, Path.of(tokens), cert, key,
                    intOr(env, "VIDEOLB_API_BODY_LIMIT", DEFAULT_BODY_LIMIT), intOr(env, "VIDEOLB_API_IMPORT_LIMIT", DEFAULT_IMPORT_LIMIT));
        }

        private static Path path(String s) {
            return s == null || s.isBlank() ? null : Path.of(s);
        }

        private static int intOr(Map<String, String> env, String name, int def) {
            String v = env.get(name);
            if (v == null || v.isBlank()) return def;
            try {
                return Integer.parseInt(v.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a decimal number: " + v);
            }
        }
    }

    private final Vertx vertx;
    private final Config config;
    private final AdminApi api;
    private final Consumer<Router> extraRoutes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile HttpServer server;

    public AdminHttpServer(Vertx vertx, Config config, DesiredStore store, CsvFiles csv, ClusterView view, Consumer<Router> extraRoutes) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.config = Objects.requireNonNull(config, "config");
        TokenFile tokens;
        try {
            tokens = TokenFile.load(config.tokenFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + config.tokenFile(), e);
        }
        this.api = new AdminApi(store, csv, view, tokens, config.bodyLimitBytes(), config.importLimitBytes());
        this.extraRoutes = extraRoutes == null ? r -> { } : extraRoutes;
    }

    /** Binds the port; returns when listening (or throws). Waits: never call it on a Vert.x thread (there: {@link #listen()}). */
    public AdminHttpServer start() {
        try {
            return listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (Exception e) {
            api.close();
            throw new IllegalStateException("admin API cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    /** Binds the port without waiting (on the owner's Vert.x context: the handlers run there); fails with the reason. */
    public Future<AdminHttpServer> listen() {
        Router router = Router.router(vertx);
        extraRoutes.accept(router);
        router.route("/*").subRouter(api.router(vertx));
        HttpServerOptions opts = new HttpServerOptions().setHost(config.host()).setPort(config.port())
                .setMaxHeaderSize(16 * 1024).setCompressionSupported(true);
        if (config.tls()) {
            for (Path p : new Path[] {config.tlsCert(), config.tlsKey()}) {
                if (!Files.isReadable(p)) {
                    api.close();
                    return Future.failedFuture(new IllegalArgumentException("TLS file is not readable: " + p));
                }
            }
            opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(config.tlsCert().toString()).setKeyPath(config.tlsKey().toString()));
        }
        return vertx.createHttpServer(opts).requestHandler(router).listen().<AdminHttpServer>map(s -> {
            server = s;
            LOG.info("admin API listening on {}://{}:{}/api/v1", config.tls() ? "https" : "http", config.host(), s.actualPort());
            return this;
        }).recover(e -> {
            api.close();
            return Future.failedFuture(new IllegalStateException("admin API cannot listen on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e));
        });
    }

    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    public Config config() {
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
