package io.videolb.config.http;

import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.Setting;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the admin API ({@link AdminHttpServer}), built with {@link #builder(Path)} or read from the
 * settings reader ({@link #read}).
 *
 * @param host             address to bind (default 127.0.0.1)
 * @param port             port (default 8443 with TLS, 8088 without; 0 picks a free one)
 * @param tokenFile        token file ({@code name:role:sha256hex} per line), required
 * @param tlsCert          PEM certificate chain, or null for plain HTTP
 * @param tlsKey           PEM private key (PKCS#8 or PKCS#1), with tlsCert
 * @param bodyLimitBytes   largest body of a JSON write (default 64 KiB)
 * @param importLimitBytes largest body of an import or plan with CSV files (default 64 MiB)
 * @param promoteParity    the parity guard of {@code POST /directors/NAME/promote} (coverage, status age bound)
 * @param insecureHttp     plain HTTP on a non-loopback address is allowed (warned at every start); without it, and
 *                         without TLS, such an address is refused
 * @param authFailures     failed authentications from one source address within {@code authWindow} before it is
 *                         answered 429 for the rest of the window
 * @param authWindow       the window of {@code authFailures}
 */
public record AdminApiSettings(
        String host,
        int port,
        Path tokenFile,
        Path tlsCert,
        Path tlsKey,
        int bodyLimitBytes,
        int importLimitBytes,
        PromoteParity promoteParity,
        boolean insecureHttp,
        int authFailures,
        Duration authWindow) {
    public static final int DEFAULT_BODY_LIMIT = 64 * 1024;
    public static final int DEFAULT_IMPORT_LIMIT = 64 * 1024 * 1024;
    public static final int DEFAULT_AUTH_FAILURES = 10;
    public static final Duration DEFAULT_AUTH_WINDOW = Duration.ofSeconds(60);

    public static final Declarations DECLARED = new Declarations("config-service");
    public static final Setting<Path> TOKENS = DECLARED.add(Setting.path("VIDEOLB_API_TOKENS")
            .flag("--api-tokens")
            .describe(
                    "admin API token file (name:role:sha256hex per line); unset: no admin API, only /health and /ready"
                            + " (standalone: generated in DATA-DIR)"));
    public static final Setting<String> HOST =
            DECLARED.add(Setting.text("VIDEOLB_API_HOST", "[A-Za-z0-9][A-Za-z0-9._:-]{0,252}", "a host name or address")
                    .defaultValue("127.0.0.1")
                    .describe("where the admin API listens"));
    public static final Setting<Integer> PORT = DECLARED.add(Setting.integer("VIDEOLB_API_PORT", 0, 65535)
            .documentedDefault("8088, 8443 with TLS")
            .describe("admin API port (config-service serves /health and /ready on it too)"));
    public static final Setting<Path> TLS_CERT = DECLARED.add(Setting.path("VIDEOLB_API_TLS_CERT")
            .describe("PEM certificate chain: the admin API speaks HTTPS (with VIDEOLB_API_TLS_KEY)"));
    public static final Setting<Path> TLS_KEY =
            DECLARED.add(Setting.path("VIDEOLB_API_TLS_KEY").describe("PEM private key of VIDEOLB_API_TLS_CERT"));
    public static final Setting<Integer> BODY_LIMIT =
            DECLARED.add(Setting.integer("VIDEOLB_API_BODY_LIMIT", 1024, 64 * 1024 * 1024)
                    .defaultValue(DEFAULT_BODY_LIMIT)
                    .describe("largest body of a JSON write, bytes"));
    public static final Setting<Integer> IMPORT_LIMIT =
            DECLARED.add(Setting.integer("VIDEOLB_API_IMPORT_LIMIT", 1024, 1024 * 1024 * 1024)
                    .defaultValue(DEFAULT_IMPORT_LIMIT)
                    .describe("largest body of an import or plan with CSV files, bytes (at least the body limit)"));
    public static final Setting<Double> PROMOTE_COVERAGE =
            DECLARED.add(Setting.decimal("VIDEOLB_PROMOTE_COVERAGE", 0, true, 1)
                    .defaultValue(PromoteParity.DEFAULT_COVERAGE)
                    .describe("a promote without force needs the target's connection count to reach this share of"
                            + " the VIP holder's (both as published in agent status)"));
    public static final Setting<Duration> PROMOTE_STATUS_MAX_AGE =
            DECLARED.add(Setting.duration("VIDEOLB_PROMOTE_STATUS_MAX_AGE_S", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(PromoteParity.DEFAULT_MAX_STATUS_AGE)
                    .describe("a promote without force is refused when either director's agent status is older"
                            + " than this (its connection count is not trusted)"));

    public static final Setting<Boolean> INSECURE_HTTP = DECLARED.add(Setting.bool("VIDEOLB_API_INSECURE_HTTP")
            .defaultValue(false)
            .describe("allow the admin API on a non-loopback VIDEOLB_API_HOST without TLS (tokens then cross the"
                    + " network in clear; warned at every start); unset, such an address is refused"));
    public static final Setting<Integer> AUTH_FAILURES =
            DECLARED.add(Setting.integer("VIDEOLB_API_AUTH_FAILURES", 1, 100_000)
                    .defaultValue(DEFAULT_AUTH_FAILURES)
                    .describe("failed authentications from one source address within VIDEOLB_API_AUTH_WINDOW_S"
                            + " before it is answered 429 (with Retry-After) until the window ends"));
    public static final Setting<Duration> AUTH_WINDOW =
            DECLARED.add(Setting.duration("VIDEOLB_API_AUTH_WINDOW_S", ChronoUnit.SECONDS, 1, 86_400)
                    .defaultValue(DEFAULT_AUTH_WINDOW)
                    .describe("the window of VIDEOLB_API_AUTH_FAILURES"));

    public AdminApiSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tokenFile, "tokenFile (VIDEOLB_API_TOKENS)");
        Objects.requireNonNull(promoteParity, "promoteParity");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
        if ((tlsCert == null) != (tlsKey == null))
            throw new IllegalArgumentException("TLS needs both a certificate and a key");
        if (bodyLimitBytes < 1024) throw new IllegalArgumentException("body limit must be at least 1024 bytes");
        if (importLimitBytes < bodyLimitBytes)
            throw new IllegalArgumentException("import limit must be at least the body limit");
        Objects.requireNonNull(authWindow, "authWindow");
        if (authFailures < 1) throw new IllegalArgumentException("auth failures must be at least 1");
        if (tlsCert == null && !insecureHttp && !loopback(host))
            throw new IllegalArgumentException("VIDEOLB_API_HOST=" + host
                    + " is not a loopback address (config-service binds VIDEOLB_CONFIG_HTTP_HOST instead when set)"
                    + " and the admin API has no TLS: bearer tokens would cross the"
                    + " network in clear. Set VIDEOLB_API_TLS_CERT and VIDEOLB_API_TLS_KEY, or bind 127.0.0.1,"
                    + " or set VIDEOLB_API_INSECURE_HTTP=true (e.g. behind a TLS proxy on the same host)");
    }

    /** Whether every address {@code host} names is a loopback address (a name that does not resolve is not). */
    public static boolean loopback(String host) {
        try {
            java.net.InetAddress[] all = java.net.InetAddress.getAllByName(host);
            for (java.net.InetAddress a : all) if (!a.isLoopbackAddress()) return false;
            return all.length > 0;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Plain HTTP on a non-loopback address, allowed by {@link #insecureHttp}: warned at every start. */
    public boolean exposedWithoutTls() {
        return tlsCert == null && !loopback(host);
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /**
     * The admin API of this process when {@code VIDEOLB_API_TOKENS} (or {@code --api-tokens}) names a token file, else empty.
     * The port defaults to 8443 with TLS, 8088 without.
     */
    public static Optional<AdminApiSettings> read(SettingsReader r) {
        return read(r, r.find(TOKENS));
    }

    /** The admin API with {@code tokenFile} unless {@code VIDEOLB_API_TOKENS} (or {@code --api-tokens}) names another (standalone). */
    public static AdminApiSettings read(SettingsReader r, Path tokenFile) {
        Optional<Path> tokens = r.find(TOKENS);
        return read(r, Optional.of(tokens.orElse(tokenFile))).orElseThrow();
    }

    private static Optional<AdminApiSettings> read(SettingsReader r, Optional<Path> tokens) {
        Optional<Path> cert = r.find(TLS_CERT);
        Optional<Path> key = r.find(TLS_KEY);
        Optional<Integer> port = r.find(PORT);
        String host = r.get(HOST);
        int body = r.get(BODY_LIMIT);
        int imports = r.get(IMPORT_LIMIT);
        PromoteParity parity = new PromoteParity(r.get(PROMOTE_COVERAGE), r.get(PROMOTE_STATUS_MAX_AGE));
        boolean insecure = r.get(INSECURE_HTTP);
        int failures = r.get(AUTH_FAILURES);
        Duration window = r.get(AUTH_WINDOW);
        if (tokens.isEmpty()) return Optional.empty();
        try {
            return Optional.of(builder(tokens.get())
                    .host(host)
                    .port(port.orElse(cert.isPresent() ? 8443 : 8088))
                    .tls(cert.orElse(null), key.orElse(null))
                    .limits(body, imports)
                    .promoteParity(parity)
                    .insecureHttp(insecure)
                    .authFailures(failures, window)
                    .build());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("VIDEOLB_API_*: " + e.getMessage(), e);
        }
    }

    /** Plain HTTP on 127.0.0.1:{@code port} with the default body limits. */
    public static Builder builder(Path tokenFile) {
        return new Builder(tokenFile);
    }

    public Builder toBuilder() {
        return new Builder(tokenFile)
                .host(host)
                .port(port)
                .tls(tlsCert, tlsKey)
                .limits(bodyLimitBytes, importLimitBytes)
                .promoteParity(promoteParity)
                .insecureHttp(insecureHttp)
                .authFailures(authFailures, authWindow);
    }

    /** Builds {@link AdminApiSettings}: 127.0.0.1:8088, no TLS, 64 KiB / 64 MiB bodies. */
    public static final class Builder {
        private final Path tokenFile;
        private String host = "127.0.0.1";
        private int port = 8088;
        private Path tlsCert;
        private Path tlsKey;
        private int bodyLimitBytes = DEFAULT_BODY_LIMIT;
        private int importLimitBytes = DEFAULT_IMPORT_LIMIT;
        private PromoteParity promoteParity =
                new PromoteParity(PromoteParity.DEFAULT_COVERAGE, PromoteParity.DEFAULT_MAX_STATUS_AGE);
        private boolean insecureHttp;
        private int authFailures = DEFAULT_AUTH_FAILURES;
        private Duration authWindow = DEFAULT_AUTH_WINDOW;

        private Builder(Path tokenFile) {
            this.tokenFile = tokenFile;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }
        /** PEM certificate chain and key; both null: plain HTTP. */
        public Builder tls(Path cert, Path key) {
            tlsCert = cert;
            tlsKey = key;
            return this;
        }

        public Builder limits(int body, int imports) {
            bodyLimitBytes = body;
            importLimitBytes = imports;
            return this;
        }

        /** The parity guard of promote (default: coverage 0.99, statuses up to 120 s old). */
        public Builder promoteParity(PromoteParity v) {
            promoteParity = v;
            return this;
        }

        /** Allow plain HTTP on a non-loopback address (warned at every start). */
        public Builder insecureHttp(boolean v) {
            insecureHttp = v;
            return this;
        }

        /** {@code failures} failed authentications from one address within {@code window}, then 429 until it ends. */
        public Builder authFailures(int failures, Duration window) {
            authFailures = failures;
            authWindow = window;
            return this;
        }

        public AdminApiSettings build() {
            return new AdminApiSettings(
                    host,
                    port,
                    tokenFile,
                    tlsCert,
                    tlsKey,
                    bodyLimitBytes,
                    importLimitBytes,
                    promoteParity,
                    insecureHttp,
                    authFailures,
                    authWindow);
        }
    }
}
