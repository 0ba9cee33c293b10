package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.events.Topics;
import io.videolb.health.HealthServiceSettings;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.kafka.SharedAdmin;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.GenerationKeyFiles;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of {@code videolb standalone}: everything in one JVM. Starts the embedded
 * broker, ensures the topics, then creates and starts the services listed in
 * {@link #createServices(StandaloneContext, ServiceRuntime)}, all as verticles on one {@link ServiceRuntime}
 * (one Vert.x, one metrics registry); {@link #close()} stops them in reverse order, then the runtime, and the broker last.
 */
public final class StandaloneRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneRuntime.class);

    /** Where the broker's address is written while the process runs (for CLI commands). */
    public static final String BOOTSTRAP_FILE = "kafka-bootstrap";

    /** The key that signs and verifies desired-state generations, created at first start with mode 0600 (issue 13). */
    public static final String GENERATION_KEY_FILE = "generation.key";

    /**
     * @param configDir   operator CSV directory
     * @param dataDir     data directory (created if missing)
     * @param httpPort    admin HTTP port
     * @param kafkaPort   broker port on 127.0.0.1, 0 = a free port
     * @param topicPrefix topic name prefix
     * @param agentMode   how the agent treats this kernel
     * @param sources     where each service's VIDEOLB_* settings come from (environment, settings file); standalone
     *                    adds what it assigns ({@link #standaloneSettings})
     */
    public record Options(
            Path configDir,
            Path dataDir,
            int httpPort,
            int kafkaPort,
            String topicPrefix,
            AgentMode agentMode,
            SettingsReader.Builder sources) {
        public Options {
            Objects.requireNonNull(configDir, "configDir");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(topicPrefix, "topicPrefix");
            Objects.requireNonNull(agentMode, "agentMode");
            Objects.requireNonNull(sources, "sources");
            if (httpPort != 0 && (httpPort < 1 || httpPort > 65535 - 3)) {
                throw new IllegalArgumentException(
                        "--http-port: 0 (any) or 1.." + (65535 - 3) + " (the next three ports are used too)");
            }
        }
    }

    private final Options options;
    private final List<Service> started = new ArrayList<>();
    private EmbeddedKafkaBroker broker;
    private ServiceRuntime runtime;
    private StandaloneContext context;
    private boolean closed;

    public StandaloneRuntime(Options options) {
        this.options = options;
    }

    /**
     * Every service's settings in the standalone process: {@code sources} (environment, settings file) with what the
     * standalone command decides assigned over them (the embedded broker, the topic prefix, --config, the ports
     * derived from --http-port) and its defaults (the agent's HTTP on 127.0.0.1, mail into DATA-DIR/alert-mail).
     */
    static SettingsReader standaloneSettings(
            SettingsReader.Builder sources,
            String bootstrap,
            String bootstrapOrigin,
            String topicPrefix,
            Path configDir,
            Path dataDir,
            int httpPort) {
        return standaloneSettings(
                sources, bootstrap, bootstrapOrigin, topicPrefix, configDir, dataDir, httpPort, false);
    }

    /** As above; {@code migrating}: the first run with a generation key on existing data accepts unsigned generations. */
    static SettingsReader standaloneSettings(
            SettingsReader.Builder sources,
            String bootstrap,
            String bootstrapOrigin,
            String topicPrefix,
            Path configDir,
            Path dataDir,
            int httpPort,
            boolean migrating) {
        if (migrating)
            sources.assign(
                    CommonSettings.GENERATION_SIGNATURES_REQUIRED,
                    false,
                    "standalone: first run with a generation key on existing data (re-signs it)");
        Path key = dataDir.resolve(GENERATION_KEY_FILE);
        if (java.nio.file.Files.isRegularFile(key, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            // start() creates it before it reads the settings; where it does not exist (--print-settings on a new
            // data directory) the standalone has no key yet
            sources.defaultValue(
                    CommonSettings.GENERATION_KEY_FILE, key, "standalone: DATA-DIR/" + GENERATION_KEY_FILE);
            sources.defaultValue(CommonSettings.GENERATION_SIGNATURES_REQUIRED, true, "standalone");
        }
        return sources.assign(CommonSettings.BOOTSTRAP, bootstrap, bootstrapOrigin)
                .assign(CommonSettings.TOPIC_PREFIX, topicPrefix, "standalone --topic-prefix")
                // one embedded broker: every topic has one replica (decision: standalone keeps 1)
                .assign(CommonSettings.TOPIC_REPLICATION_FACTOR, 1, "standalone: one embedded broker")
                .assign(CommonSettings.TOPIC_MIN_INSYNC_REPLICAS, 1, "standalone: one embedded broker")
                .assign(CommonSettings.TOPIC_SINGLE_REPLICA_ALLOWED, true, "standalone: one embedded broker")
                .assign(ConfigServiceSettings.CONFIG_DIR, configDir, "standalone --config")
                .assign(ConfigServiceSettings.HTTP_PORT, httpPort, "standalone --http-port")
                .assign(AgentSettings.HTTP_PORT, StandaloneContext.port(httpPort, 1), "standalone --http-port + 1")
                .assign(
                        HealthServiceSettings.HTTP_PORT,
                        StandaloneContext.port(httpPort, 2),
                        "standalone --http-port + 2")
                .assign(AlertSettings.HTTP_PORT, StandaloneContext.port(httpPort, 3), "standalone --http-port + 3")
                .defaultValue(AgentSettings.HTTP_HOST, "127.0.0.1", "standalone")
                .defaultValue(AlertSettings.SINK_DIR, dataDir.resolve("alert-mail"), "standalone: DATA-DIR/alert-mail")
                .build();
    }

    /**
     * The services of the standalone process, in start order. THE place where services are wired
     * (adds go here; close runs in reverse order).
     */
    static List<Service> createServices(StandaloneContext ctx, ServiceRuntime runtime) {
        List<Service> services = new ArrayList<>();
        // config first: it imports --config as one generation before anyone reads desired state
        services.add(new StandaloneServices.ConfigServiceAdapter(
                ctx, runtime)); // admin API + page, /health, /ready, /metrics on httpPort
        services.add(new StandaloneServices.Health(ctx, runtime)); // probes -> health topic; HTTP on httpPort + 2
        services.add(new StandaloneServices.Agent(
                ctx, runtime)); // desired + health -> kernel (or plan-only); HTTP on httpPort + 1
        services.add(new StandaloneServices.Alert(ctx, runtime)); // health + desired -> mail; HTTP on httpPort + 3
        return services;
    }

    /** Starts the broker, the topics and every service; on failure everything started is closed. */
    public synchronized void start() throws Exception {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        try {
            Path dataDir = options.dataDir().toAbsolutePath().normalize();
            Files.createDirectories(dataDir);
            boolean existingData = Files.isDirectory(dataDir.resolve("kafka"));
            boolean migrating = false;
            if (options.sources()
                    .build()
                    .find(CommonSettings.GENERATION_KEY_FILE)
                    .isEmpty()) {
                Path key = dataDir.resolve(GENERATION_KEY_FILE);
                if (GenerationKeyFiles.createIfMissing(key)) {
                    LOG.info("generation key created: {} (mode 0600; it signs every desired generation)", key);
                    // a data dir from before signed generations: this one run accepts its unsigned generation, and
                    // config-service publishes it again signed; from the next start on signatures are required
                    migrating = existingData;
                    if (migrating)
                        LOG.warn(
                                "existing data in {}: signatures are not required during this first run with a"
                                        + " generation key (the current generation is re-signed); they are from the next"
                                        + " start on",
                                dataDir);
                }
            }
            Path configDir = options.configDir().toAbsolutePath().normalize();
            SettingsReader before = standaloneSettings(
                    options.sources(),
                    "127.0.0.1:9092",
                    "the embedded broker",
                    options.topicPrefix(),
                    configDir,
                    dataDir,
                    options.httpPort());
            if (before.isSet(CommonSettings.KAFKA_PROPERTIES))
                throw new IllegalArgumentException(CommonSettings.KAFKA_PROPERTIES.key()
                        + " is not used by standalone: each service connects to the embedded broker with its own"
                        + " credentials, generated in " + dataDir.resolve(StandaloneKafkaAuth.DIR));
            String director = before.get(AgentSettings.DIRECTOR);
            StandaloneKafkaAuth auth = StandaloneKafkaAuth.loadOrCreate(dataDir, director);
            if (auth.generated())
                LOG.info("Kafka credentials generated in {} (directory 0700, files 0600)", auth.dir());
            broker = EmbeddedKafkaBroker.builder()
                    .dataDir(dataDir.resolve("kafka"))
                    .port(options.kafkaPort())
                    .authentication(auth.brokerAuthentication())
                    .brokerProperty("super.users", StandaloneKafkaAuth.superUsers())
                    .start();
            Topics topics = new Topics(options.topicPrefix());
            auth.apply(broker, StandaloneKafkaAuth.layout(topics, director), Duration.ofSeconds(60));
            SettingsReader settings = standaloneSettings(
                    options.sources(),
                    broker.bootstrapServers(),
                    "the embedded broker",
                    options.topicPrefix(),
                    configDir,
                    dataDir,
                    options.httpPort(),
                    migrating);
            EmbeddedKafkaBroker b = broker;
            context = new StandaloneContext(
                    broker.bootstrapServers(),
                    topics,
                    configDir,
                    dataDir,
                    options.httpPort(),
                    options.agentMode(),
                    settings,
                    user -> auth.connection(b, user));
            io.videolb.runtime.files.SafeFiles.write(
                    dataDir.resolve(BOOTSTRAP_FILE),
                    broker.bootstrapServers() + "\n",
                    io.videolb.runtime.files.SafeFiles.Mode.PUBLIC);
            runtime = ServiceRuntime.create(); // the one Vert.x and the one registry of every service below
            // one Admin client per principal for the whole start: each service's topic check and its state readers
            // share it instead of opening (and authenticating) their own, one after the other (SharedAdmin)
            List<SharedAdmin.Lease> admins = new ArrayList<>();
            try {
                for (KafkaAccessLayout.Principal p :
                        StandaloneKafkaAuth.layout(topics, director).principals())
                    admins.add(SharedAdmin.acquire(auth.connection(b, p.user())
                            .settings("videolb-" + p.user())
                            .admin()));
                List<Service> services = createServices(context, runtime);
                // config first (it publishes --config as one generation before anyone reads desired state); the
                // others only read topics and never wait for one another: started side by side
                started.add(services.get(0)); // closed on failure even if start() throws half-way
                startOne(services.get(0));
                List<Service> rest = services.subList(1, services.size());
                started.addAll(rest);
                startTogether(rest);
            } finally {
                admins.forEach(SharedAdmin.Lease::close); // the readers keep theirs
            }
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private static void startOne(Service s) throws Exception {
        long t0 = System.nanoTime();
        LOG.info("starting {}", s.name());
        s.start();
        LOG.info("{} started in {} ms", s.name(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Starts {@code services} on one thread each and waits for all of them; throws the first failure. */
    private static void startTogether(List<Service> services) throws Exception {
        List<java.util.concurrent.FutureTask<Void>> tasks = new ArrayList<>();
        for (Service s : services) {
            java.util.concurrent.FutureTask<Void> t = new java.util.concurrent.FutureTask<>(() -> {
                startOne(s);
                return null;
            });
            tasks.add(t);
            io.videolb.threads.NamedThreads.thread("start-" + s.name(), t).start();
        }
        Exception first = null;
        for (java.util.concurrent.FutureTask<Void> t : tasks) {
            try {
                t.get(); // each start is bounded by the runtime's deploy timeout
            } catch (java.util.concurrent.ExecutionException e) {
                if (first == null)
                    first = e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
            }
        }
        if (first != null) throw first;
    }

    public synchronized StandaloneContext context() {
        return context;
    }

    public synchronized EmbeddedKafkaBroker broker() {
        return broker;
    }

    /** The one Vert.x and metrics registry all services run on (null before {@link #start()}). */
    public synchronized ServiceRuntime serviceRuntime() {
        return runtime;
    }

    public synchronized List<String> serviceNames() {
        return started.stream().map(Service::name).toList();
    }

    /** The non-empty {@link Service#summary()} of every started service, in start order. */
    public synchronized List<String> summaries() {
        return started.stream()
                .map(Service::summary)
                .filter(x -> x != null && !x.isEmpty())
                .toList();
    }

    /** Closes services in reverse start order, then the broker. Idempotent; never throws. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Service> reverse = new ArrayList<>(started);
        Collections.reverse(reverse);
        for (Service s : reverse) {
            try {
                LOG.info("stopping {}", s.name());
                s.close();
            } catch (Exception e) {
                LOG.warn("stopping {} failed: {}", s.name(), e.toString(), e);
            }
        }
        started.clear();
        if (runtime != null) runtime.close();
        if (broker != null) {
            try {
                Files.deleteIfExists(broker.dataDir().getParent().resolve(BOOTSTRAP_FILE));
            } catch (Exception e) {
                LOG.debug("could not delete the bootstrap file", e);
            }
            broker.close();
        }
    }
}
