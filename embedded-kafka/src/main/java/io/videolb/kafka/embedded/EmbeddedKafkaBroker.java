package io.videolb.kafka.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker + controller) running inside this JVM.
 *
 * <p>Listeners are bound on 127.0.0.1 only. The log directory is formatted only when it holds no
 * {@code meta.properties}, so a second start on the same directory keeps every topic and record.
 * The settings are sized for a small machine (4 MB cleaner dedupe buffer, few threads and
 * partitions for internal topics) and for one node (replication factor 1 and min ISR 1 everywhere,
 * including the transaction state log, so transactions work).
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dir).start()) {
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 *
 * <p>Logging: Kafka logs through SLF4J and log4j-api (routed to SLF4J by {@code log4j-to-slf4j};
 * log4j-core is deliberately absent). With {@link Builder#quietLogging(boolean)} (default on) the
 * broker's loggers are set to WARN for the {@code slf4j-simple} binding, unless the caller already
 * set a level for them via system properties.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");

    /** Logger names whose level {@code quietLogging} sets to WARN (slf4j-simple properties). */
    private static final Map<String, String> QUIET_LOGGERS = Map.of(
            "kafka", "warn",
            "org.apache.kafka", "warn",
            "state.change.logger", "warn",
            "kafka.request.logger", "warn",
            // logs "Performing controller activation" at WARN on every start
            "org.apache.kafka.controller.QuorumController", "error");

    public static final String LISTENER = "PLAINTEXT";
    public static final String CONTROLLER_LISTENER = "CONTROLLER";
    public static final String EXTERNAL_LISTENER = "EXTERNAL";
    /** With {@link Builder#authentication}: the inter-broker listener (SASL PLAIN, the broker's own super user). */
    public static final String INTERNAL_LISTENER = "INTERNAL";
    /** With {@link Authentication#mutualTlsPort()}: a listener that authenticates clients by their certificate. */
    public static final String MTLS_LISTENER = "MTLS";
    /** The broker's own super user (inter-broker, controller and tool connections on {@link #INTERNAL_LISTENER}). */
    public static final String SUPER_USER = "broker";
    /** Exclusive lock file inside the data dir (Kafka ignores plain files there). */
    public static final String LOCK_FILE = ".videolb-broker.lock";

    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final int port;
    private final int controllerPort;
    private final OptionalInt externalPort;
    private final Authentication auth;
    private final int internalPort;
    private final int mtlsPort;
    private String clusterId;
    private boolean formatted;
    private final KafkaRaftServer server;
    private final DirLock dirLock;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Duration startupDuration;

    private EmbeddedKafkaBroker(Builder b) throws IOException {
        long t0 = System.nanoTime();
        if (b.quietLogging) {
            quietKafkaLogging();
        }
        if (b.dataDir == null) {
            this.dataDir = Files.createTempDirectory("videolb-kafka-");
            this.deleteDataDirOnClose = true;
        } else {
            this.dataDir = b.dataDir.toAbsolutePath().normalize();
            Files.createDirectories(this.dataDir);
            this.deleteDataDirOnClose = b.deleteDataDirOnClose;
        }
        this.port = b.port == 0 ? freeLoopbackPort() : b.port;
        this.controllerPort = b.controllerPort == 0 ? freeLoopbackPort() : b.controllerPort;
        if (b.externalAdvertisedHost != null) {
            this.externalPort = OptionalInt.of(b.externalBindPort == 0 ? freeLoopbackPort() : b.externalBindPort);
        } else {
            this.externalPort = OptionalInt.empty();
        }
        this.auth = b.authentication;
        this.internalPort = auth == null ? 0 : freeLoopbackPort();
        this.mtlsPort = auth == null || auth.tls() == null || !auth.mutualTls() ? 0 : freeLoopbackPort();

        // Our own lock, taken before anything reads the directory: a second broker on the same
        // directory must fail before it loads (and rewrites index files of) the metadata log that
        // the running broker has mapped; Kafka's own .lock is taken too late for that (measured:
        // the running broker's raft thread then spun and its shutdown hung).
        this.dirLock = DirLock.acquire(this.dataDir.resolve(LOCK_FILE));
        try {
            this.server = startServer(b);
        } catch (IOException | RuntimeException | Error e) {
            dirLock.release();
            throw e;
        }
        try {
            awaitReady(b.startupTimeout);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.startupDuration = Duration.ofNanos(System.nanoTime() - t0);
        LOG.info(
                "embedded Kafka broker ready on {} (data dir {}, {}, {} ms)",
                bootstrapServers(),
                this.dataDir,
                formatted ? "formatted new cluster " + clusterId : "reused cluster " + clusterId,
                startupDuration.toMillis());
    }

    private KafkaRaftServer startServer(Builder b) throws IOException {
        Properties props = brokerProperties(b);
        KafkaConfig config = KafkaConfig.fromProps(props, false);

        Path metaProperties = this.dataDir.resolve("meta.properties");
        if (Files.exists(metaProperties)) {
            this.formatted = false;
            this.clusterId = readClusterId(metaProperties);
        } else {
            this.formatted = true;
            this.clusterId = Uuid.randomUuid().toString();
            format(config, clusterId);
        }

        KafkaRaftServer s = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            s.startup();
        } catch (RuntimeException e) {
            safeShutdown(s);
            throw e;
        }
        return s;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:PORT} of the normal (host) listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** Whether clients must authenticate ({@link Builder#authentication}). */
    public boolean authenticated() {
        return auth != null;
    }

    /**
     * Where and how the broker's super user connects (Admin clients that create SCRAM users and ACLs): with
     * authentication, the internal listener and SASL PLAIN; without, the normal listener and no properties.
     */
    public Map<String, String> superUserClientProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        if (auth == null) {
            p.put("bootstrap.servers", bootstrapServers());
            return p;
        }
        p.put("bootstrap.servers", "127.0.0.1:" + internalPort);
        p.put("security.protocol", "SASL_PLAINTEXT");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", plainJaas(false));
        return p;
    }

    /** {@code 127.0.0.1:PORT} of the listener that authenticates clients by their TLS certificate (principal: its CN). */
    public String mutualTlsBootstrapServers() {
        if (mtlsPort == 0) throw new IllegalStateException("no mutual TLS listener (Authentication.mutualTls)");
        return "127.0.0.1:" + mtlsPort;
    }

    /** Port of the normal listener on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** Port on 127.0.0.1 where the extra (advertised-elsewhere) listener is bound, if configured. */
    public OptionalInt externalPort() {
        return externalPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** True if this start formatted the log directory (a new, empty cluster). */
    public boolean formattedOnStart() {
        return formatted;
    }

    /** Wall time from {@code start()} to ready. */
    public Duration startupDuration() {
        return startupDuration;
    }

    /** Shuts the broker down and waits for it; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        safeShutdown(server);
        dirLock.release();
        LOG.info(
                "embedded Kafka broker on {} stopped in {} ms",
                bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        if (deleteDataDirOnClose) {
            deleteRecursively(dataDir);
        }
    }

    // ------------------------------------------------------------------------------------------

    private Properties brokerProperties(Builder b) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", LISTENER);
        String listeners =
                LISTENER + "://127.0.0.1:" + port + "," + CONTROLLER_LISTENER + "://127.0.0.1:" + controllerPort;
        String advertised = LISTENER + "://127.0.0.1:" + port;
        String protocols = LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT";
        if (externalPort.isPresent()) {
            listeners += "," + EXTERNAL_LISTENER + "://127.0.0.1:" + externalPort.getAsInt();
            advertised += "," + EXTERNAL_LISTENER + "://" + b.externalAdvertisedHost + ":" + b.externalAdvertisedPort;
            protocols += "," + EXTERNAL_LISTENER + ":PLAINTEXT";
        }
        if (auth != null) {
            String client = auth.tls() == null ? "SASL_PLAINTEXT" : "SASL_SSL";
            protocols = LISTENER + ":" + client + "," + CONTROLLER_LISTENER + ":SASL_PLAINTEXT," + INTERNAL_LISTENER
                    + ":SASL_PLAINTEXT";
            listeners += "," + INTERNAL_LISTENER + "://127.0.0.1:" + internalPort;
            advertised += "," + INTERNAL_LISTENER + "://127.0.0.1:" + internalPort;
            if (externalPort.isPresent()) protocols += "," + EXTERNAL_LISTENER + ":" + client;
            if (mtlsPort != 0) {
                listeners += "," + MTLS_LISTENER + "://127.0.0.1:" + mtlsPort;
                advertised += "," + MTLS_LISTENER + "://127.0.0.1:" + mtlsPort;
                protocols += "," + MTLS_LISTENER + ":SSL";
            }
            p.put("inter.broker.listener.name", INTERNAL_LISTENER);
            authProperties(p);
        }
        p.put("listeners", listeners);
        p.put("advertised.listeners", advertised);
        p.put("listener.security.protocol.map", protocols);
        p.put("log.dirs", dataDir.toString());

        // one node: RF 1 / min ISR 1 for everything, including transactions and share groups
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // topics are created explicitly (TopicAdmin), never as a side effect of a client
        p.put("auto.create.topics.enable", "false");

        // small machine
        p.put("log.cleaner.dedupe.buffer.size", "4194304");
        p.put("log.cleaner.io.buffer.size", "262144");
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        p.put("log.index.size.max.bytes", "1048576");
        p.put("socket.send.buffer.bytes", "-1");
        p.put("socket.receive.buffer.bytes", "-1");
        p.put("controlled.shutdown.enable", "true");

        p.putAll(b.overrides);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /**
     * SCRAM-SHA-512 for clients on the normal (and external) listener, SASL PLAIN with the broker's own super user on
     * the controller and internal listeners (SCRAM credentials live in the metadata log, which the controller must
     * read before it could check them), the standard authorizer with nothing allowed that no ACL allows.
     */
    private void authProperties(Map<String, String> p) {
        String scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        for (String l : java.util.List.of(LISTENER, EXTERNAL_LISTENER)) {
            String n = l.toLowerCase(java.util.Locale.ROOT);
            p.put("listener.name." + n + ".sasl.enabled.mechanisms", "SCRAM-SHA-512");
            p.put("listener.name." + n + ".scram-sha-512.sasl.jaas.config", scram);
        }
        for (String l : java.util.List.of(CONTROLLER_LISTENER, INTERNAL_LISTENER)) {
            String n = l.toLowerCase(java.util.Locale.ROOT);
            p.put("listener.name." + n + ".sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name." + n + ".plain.sasl.jaas.config", plainJaas(true));
        }
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + SUPER_USER);
        p.put("allow.everyone.if.no.acl.found", "false");
        Tls tls = auth.tls();
        if (tls != null) {
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.keystore.location", tls.keystore().toString());
            p.put("ssl.keystore.password", tls.keystorePassword());
            p.put("ssl.truststore.type", "PKCS12");
            p.put("ssl.truststore.location", tls.truststore().toString());
            p.put("ssl.truststore.password", tls.truststorePassword());
            // a certificate's subject CN=NAME is the principal User:NAME (as SCRAM user NAME)
            p.put("ssl.principal.mapping.rules", "RULE:^CN=([^,]+).*$/$1/,DEFAULT");
            if (mtlsPort != 0) p.put("listener.name.mtls.ssl.client.auth", "required");
        }
    }

    /** The PLAIN login of the super user; {@code server} adds the user list the broker checks against. */
    private String plainJaas(boolean server) {
        String pw = auth.superUserPassword();
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + SUPER_USER
                + "\" password=\"" + pw + "\"" + (server ? " user_" + SUPER_USER + "=\"" + pw + "\"" : "") + ";";
    }

    private void format(KafkaConfig config, String newClusterId) throws IOException {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        Formatter formatter = new Formatter()
                .setPrintStream(sink)
                .setNodeId(config.nodeId())
                .setClusterId(newClusterId)
                .setUnstableFeatureVersionsEnabled(config.unstableFeatureVersionsEnabled())
                .setIgnoreFormatted(false)
                .setControllerListenerName(config.controllerListenerNames().get(0))
                .setMetadataLogDirectory(config.metadataLogDir())
                .setDirectories(config.logDirs())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION);
        try {
            formatter.run();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("formatting Kafka log dir " + dataDir + " failed: " + e, e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> conf = new java.util.HashMap<>(superUserClientProperties());
        conf.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
        conf.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        conf.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        RuntimeException last = null;
        try (Admin admin = Admin.create(conf)) {
            while (System.nanoTime() < deadline) {
                try {
                    var nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000))
                            .nodes()
                            .get(5, TimeUnit.SECONDS);
                    if (nodes.stream().map(Node::id).anyMatch(id -> id == 1)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the broker", e);
                } catch (Exception e) {
                    last = new IllegalStateException(e.toString(), e);
                }
                sleep(100);
            }
        }
        throw new IllegalStateException(
                "embedded Kafka broker on " + bootstrapServers() + " not ready within " + timeout, last);
    }

    private static void safeShutdown(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("error while shutting the embedded Kafka broker down", e);
        }
    }

    private static String readClusterId(Path metaProperties) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(metaProperties)) {
            p.load(in);
        }
        return p.getProperty("cluster.id", "?");
    }

    /** A free TCP port on 127.0.0.1 (a small race with other processes is possible, as always). */
    public static int freeLoopbackPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sets the Kafka loggers to WARN for slf4j-simple unless a level is already set. */
    static void quietKafkaLogging() {
        QUIET_LOGGERS.forEach((name, level) -> {
            String key = "org.slf4j.simpleLogger.log." + name;
            if (System.getProperty(key) == null) {
                System.setProperty(key, level);
            }
        });
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** An exclusive OS file lock (fails at once if another process or broker in this JVM holds it). */
    private static final class DirLock {
        private final FileChannel channel;
        private final FileLock lock;

        private DirLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static DirLock acquire(Path file) throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new IllegalStateException("Kafka data dir " + file.getParent()
                        + " is in use by another broker (lock " + file.getFileName() + " is held)");
            }
            return new DirLock(ch, l);
        }

        void release() {
            try {
                lock.release();
                channel.close();
            } catch (IOException e) {
                LOG.debug("releasing {}", lock, e);
            }
        }
    }

    /** Configures and starts an {@link EmbeddedKafkaBroker}. */
    public static final class Builder {
        private Path dataDir;
        private boolean deleteDataDirOnClose;
        private int port;
        private int controllerPort;
        private int externalBindPort;
        private String externalAdvertisedHost;
        private int externalAdvertisedPort;
        private boolean quietLogging = true;
        private Duration startupTimeout = Duration.ofSeconds(120);
        private Authentication authentication;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Kafka log directory (created if missing). Formatted only if it has no meta.properties; a
         * later start on the same directory keeps the data. Default: a fresh temp directory that
         * is deleted on close.
         */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** Delete the data directory on close (default only for the implicit temp directory). */
        public Builder deleteDataDirOnClose(boolean delete) {
            this.deleteDataDirOnClose = delete;
            return this;
        }

        /** Port of the client listener on 127.0.0.1; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** Port of the controller (KRaft) listener on 127.0.0.1; 0 (default) picks a free one. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /**
         * An extra listener bound on 127.0.0.1:{@code bindPort} (0 = free port) and advertised to
         * clients as {@code advertisedHost:advertisedPort}, e.g. for a qemu VM reaching the host
         * broker through a user-networking guestfwd ({@code 10.0.2.100:9093}).
         */
        public Builder externalListener(int bindPort, String advertisedHost, int advertisedPort) {
            if (advertisedHost == null || !HOST.matcher(advertisedHost).matches()) {
                throw new IllegalArgumentException("bad advertised host: " + advertisedHost);
            }
            if (advertisedPort < 1 || advertisedPort > 65535) {
                throw new IllegalArgumentException("bad advertised port: " + advertisedPort);
            }
            this.externalBindPort = checkPort(bindPort);
            this.externalAdvertisedHost = advertisedHost;
            this.externalAdvertisedPort = advertisedPort;
            return this;
        }

        /** Set WARN on Kafka's own loggers (slf4j-simple) unless already configured; default true. */
        public Builder quietLogging(boolean quiet) {
            this.quietLogging = quiet;
            return this;
        }

        /** How long {@link #start()} waits for the broker to answer; default 120 s. */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Clients must authenticate (SCRAM-SHA-512 on the normal listener, over TLS when {@code auth} has
         * {@link Tls}) and are authorised by ACLs; the broker's own super user ({@link #SUPER_USER}, SASL PLAIN)
         * connects on an internal listener ({@link #superUserClientProperties()}) to create users and ACLs.
         */
        public Builder authentication(Authentication auth) {
            this.authentication = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** Overrides or adds one broker property (applied last). */
        public Builder brokerProperty(String key, String value) {
            overrides.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
            return this;
        }

        /** Formats (if needed), starts and waits until the broker answers metadata requests. */
        public EmbeddedKafkaBroker start() {
            try {
                return new EmbeddedKafkaBroker(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("bad port: " + port);
            }
            return port;
        }
    }

    /**
     * How clients authenticate.
     *
     * @param superUserPassword the password of {@link #SUPER_USER} (kept by the caller, e.g. in a 0600 file)
     * @param tls               TLS on the normal listener (SASL_SSL), or null for SASL_PLAINTEXT (loopback only)
     * @param mutualTls         with {@code tls}: an extra listener ({@link #mutualTlsBootstrapServers()}) where a
     *                          client authenticates by its certificate, trusted through the truststore
     */
    public record Authentication(String superUserPassword, Tls tls, boolean mutualTls) {
        public Authentication {
            if (superUserPassword == null || !superUserPassword.matches("[A-Za-z0-9_-]{16,200}"))
                throw new IllegalArgumentException("super user password: 16..200 of A-Z a-z 0-9 _ -");
            if (mutualTls && tls == null) throw new IllegalArgumentException("mutual TLS needs TLS");
        }

        /** SASL_PLAINTEXT with SCRAM-SHA-512 (standalone: loopback only). */
        public static Authentication scram(String superUserPassword) {
            return new Authentication(superUserPassword, null, false);
        }
    }

    /** The broker's PKCS12 keystore (its certificate and key) and the truststore of client certificates it accepts. */
    public record Tls(Path keystore, String keystorePassword, Path truststore, String truststorePassword) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
            Objects.requireNonNull(truststore, "truststore");
            Objects.requireNonNull(truststorePassword, "truststorePassword");
        }
    }
}
