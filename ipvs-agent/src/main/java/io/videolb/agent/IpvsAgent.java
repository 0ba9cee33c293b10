package io.videolb.agent;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.videolb.agent.apply.IpsetEditSession;
import io.videolb.agent.apply.IpvsEditSession;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.MarkMigration;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.ProcessCommandRunner;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthBook;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.director.Director;
import io.videolb.agent.director.DirectorMetrics;
import io.videolb.agent.health.HealthWatch;
import io.videolb.agent.http.AgentHttp;
import io.videolb.agent.http.Metrics;
import io.videolb.agent.http.TrafficLabels;
import io.videolb.agent.http.TrafficMetrics;
import io.videolb.agent.kafka.DirectorFollower;
import io.videolb.agent.kafka.Records;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.loop.ReconcileFreshness;
import io.videolb.agent.loop.ReconcileLoop;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.agent.observed.MangleRules;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.agent.weights.LoadWeigher;
import io.videolb.events.AgentStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.ServerStreams;
import io.videolb.json.Json;
import io.videolb.kafka.AgentStatusTopics;
import io.videolb.kafka.CoalescingSender;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.HealthReport;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.ServiceStop;
import io.videolb.threads.NamedThreads;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ipvs-agent service: makes this director's kernel match the desired state. Composition root:
 * every part is built here with {@code new}. A verticle on the process's {@link ServiceRuntime}:
 * {@code runtime.deploy(new IpvsAgent(config, runtime))} returns once the followers, the reconcile
 * loop and the HTTP endpoint run; the first apply happens when the desired and health topics have
 * been read to the end. Undeploying (or closing the runtime) stops it promptly.
 */
public final class IpvsAgent extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsAgent.class);

    /** The name in logs, on {@code /metrics} ({@code service="ipvs-agent"}) and in the standalone ready line. */
    public static final String NAME = "ipvs-agent";

    private final AgentSettings config;
    private final Kernel kernel;
    /** How long a state reader waits for its topic (and a reachable broker) before it fails and is restarted. */
    static final Duration TOPIC_WAIT = Duration.ofSeconds(60);

    static final Duration READER_RESTART = Duration.ofSeconds(5);
    private DesiredStateFolder folder; // guarded by lock
    private HealthBook health; // guarded by lock
    /**
     * The verdicts in force when the health topic was recreated (null: none held): the agent acts on them until the
     * new topic has a fresh verdict for every server of the desired state, so an empty or half-refreshed new topic
     * (every verdict is republished only each refresh interval) never turns its DOWN servers into "no verdict = up".
     * Guarded by lock.
     */
    private HealthView heldHealth;

    private long heldHealthSinceMs; // guarded by lock

    /** The longest the verdicts of a recreated health topic's predecessor are held. */
    static final Duration HELD_HEALTH_MAX = Duration.ofMinutes(5);

    private HealthWatch healthWatch;
    private final Object lock = new Object();
    private final AtomicReference<RunResult> last = new AtomicReference<>();
    private KernelCapabilities caps;
    private Reconciler reconciler;
    private Metrics metrics;
    /** The kernel's traffic counters on /metrics; null where IPVS is not readable. */
    private TrafficMetrics traffic;

    private ReconcileFreshness freshness;
    private ReconcileLoop loop;
    private KafkaSettings kafka;
    private volatile StateTopicReader desiredReader;
    private volatile StateTopicReader healthReader;
    /** Set by the readers' onCaughtUp BEFORE they ask for a run (their caughtUp() future completes just after). */
    private volatile boolean desiredRead;

    private volatile boolean healthRead;
    private final ScheduledExecutorService restarts =
            Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("agent-reader-restart"));
    private CoalescingSender status; // off the reconcile thread: send() may block max.block.ms
    private final ServiceRuntime runtime;
    private ServiceMetrics serviceMetrics;
    private HttpServer http;
    private boolean closed;
    /** Director HA (issue 10); null where HA is off. */
    private Director director;
    /** A run has succeeded since the start: keepalived may run (the director function is in place). */
    private volatile boolean directorArmed;

    private DirectorFollower directorFollower;

    /** Deploy with {@link ServiceRuntime#deploy}; kernel commands run on the reconcile thread, never on an event loop. */
    public IpvsAgent(AgentSettings config, ServiceRuntime runtime) {
        this(
                config,
                new Kernel(
                        new ProcessCommandRunner(),
                        config.tools(),
                        config.names(),
                        new IpvsEditSession(config.tools().ipvsadm()),
                        new IpsetEditSession(config.tools().ipset())),
                runtime);
    }

    /** With a given kernel port (tests: a fake kernel or a kernel inside a namespace). */
    public IpvsAgent(AgentSettings config, Kernel kernel, ServiceRuntime runtime) {
        this.config = config;
        this.kernel = kernel;
        this.runtime = runtime;
        this.health = newHealthBook();
        this.folder = new DesiredStateFolder(config.kafka().trust().generations());
    }

    private HealthBook newHealthBook() {
        return new HealthBook(
                config.healthStale().toMillis(),
                System::currentTimeMillis,
                config.kafka().trust().healthMaxFutureSkewMs());
    }

    /**
     * Detects the kernel's capabilities and starts the reconcile loop and the topic readers on a
     * worker thread (detection runs commands), then listens on this verticle's context. Completes
     * once the readers, the loop and the HTTP endpoint run; the first apply follows when the desired
     * and health topics have been read to the end.
     */
    @Override
    public Future<?> start() {
        serviceMetrics = runtime.metrics(NAME);
        return vertx.executeBlocking(() -> {
                    startParts();
                    return null;
                })
                .compose(v -> config.httpPort() < 0
                        ? Future.<HttpServer>succeededFuture()
                        : AgentHttp.listen(
                                vertx,
                                config.httpHost(),
                                config.httpPort(),
                                serviceMetrics,
                                this::health,
                                config.procRoot()))
                .onSuccess(server -> http = server)
                .recover(e -> stop().transform(x -> Future.failedFuture(e)));
    }

    private synchronized void startParts() {
        caps = config.planOnly() ? KernelCapabilities.NONE : kernel.detect(config.procRoot());
        if (caps.mode() == KernelMode.APPLY)
            LOG.info("ipvs-agent {}: applying to this kernel (IPVS and steering available)", config.director());
        else
            LOG.warn(
                    "ipvs-agent {}: {} MODE: {} - changes are computed and logged, {} applied",
                    config.director(),
                    caps.mode().label().toUpperCase(Locale.ROOT),
                    caps.reason(),
                    caps.steering() ? "only ipset/iptables are" : "nothing is");
        reconciler = new Reconciler(
                        kernel,
                        caps,
                        config.policy(),
                        new Ownership(config.ownershipFile()),
                        new RebootFiles(
                                config.ipvsRules(), config.iptablesRules(), config.ipsetRules(), config.names()),
                        config.sysctlRoot(),
                        config.sync(),
                        System::currentTimeMillis)
                .loadWeights(new LoadWeigher(
                        config.loadWeights(), config.healthStale().toMillis()));
        if (config.loadWeights().on())
            LOG.info(
                    "load-fed weights for fwmark(s) {}",
                    config.loadWeights().sorted().keySet());
        metrics = new Metrics(caps.mode().label())
                .bind(serviceMetrics.registry())
                .bindToolTimeouts(serviceMetrics.registry(), kernel::toolTimeouts);
        if (caps.ipvs()) {
            traffic = new TrafficMetrics(
                    () -> kernel.readTraffic(config.procRoot(), TrafficMetrics.READ_DEADLINE),
                    serviceMetrics.registry(),
                    System::nanoTime,
                    TrafficMetrics.MIN_AGE);
            serviceMetrics.beforeScrape(traffic::refresh);
        }
        freshness = new ReconcileFreshness(config.reconcileStaleBound(), System.currentTimeMillis());
        loop = new ReconcileLoop(
                new ReconcileLoop.Work() {
                    @Override
                    public Optional<RunResult> runIfReady() {
                        return IpvsAgent.this.runIfReady();
                    }

                    @Override
                    public Optional<RunResult> fastIfReady() {
                        return IpvsAgent.this.fastIfReady();
                    }
                },
                this::afterRun,
                reconciler::needsPolling,
                reconciler::recheckSetup,
                config.minInterval(),
                config.resync(),
                config.drainPoll());
        kafka = config.kafka().settings("ipvs-agent-" + config.director());
        // its own status topic, the only one its principal may write; the sender creates it if missing (decision 113)
        status = AgentStatusTopics.sender(
                kafka.withClientId("ipvs-agent-status-" + config.director()),
                config.topics(),
                config.director(),
                config.kafka().topicReplication(),
                Duration.ofSeconds(15));
        if (config.ha().enabled()) startDirector();
        loop.start();
        healthWatch = new HealthWatch(
                        this::checkHealth,
                        () -> {
                            if (healthRead) loop.markDirty();
                        },
                        serviceMetrics.registry())
                .start(Duration.ofMillis(Math.min(1000, config.healthStale().toMillis() / 4)));
        startDesiredReader();
        startHealthReader();
    }

    private void startDirector() {
        director = new Director(
                config.director(),
                config.ha(),
                new ProcessCommandRunner(),
                System::currentTimeMillis,
                config.procRoot());
        try {
            director.start();
        } catch (IOException e) {
            throw new IllegalStateException("director HA: " + e.getMessage(), e);
        }
        director.onNotice(n -> {
            if (n.isInstanceState() && loop != null) loop.markDirty(); // publish the new VRRP state now
        });
        director.onBothClaim(() -> {
            if (loop != null) loop.markDirty(); // our claim, newer than the peer's takeover: a split brain is seen now
        });
        DirectorMetrics.bind(serviceMetrics.registry(), director);
        directorFollower =
                DirectorFollower.start(kafka, config.topics(), director, System::currentTimeMillis, TOPIC_WAIT);
    }

    /** This director's HA part (null where HA is off). */
    public Director director() {
        return director;
    }

    public KernelCapabilities capabilities() {
        return caps;
    }

    public int httpPort() {
        return http == null ? -1 : http.actualPort();
    }

    public Optional<RunResult> lastRun() {
        return Optional.ofNullable(last.get());
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Asks for a run now (the periodic resync does this too). */
    public void resyncNow() {
        loop.markDirty();
    }

    // ---- Kafka: the desired and health topics, each read from offset 0 by a StateTopicReader --------

    private synchronized void startDesiredReader() {
        if (closed) return;
        synchronized (lock) {
            folder = new DesiredStateFolder(config.kafka().trust().generations()); // a (re)start folds from 0 again
        }
        desiredRead = false;
        desiredReader = StateTopicReader.start(
                kafka,
                List.of(config.topics().desired()),
                Records.listener(
                        this::onDesired,
                        () -> {
                            LOG.info("{} read to the end", config.topics().desired());
                            desiredRead = true;
                            loop.markDirty();
                        },
                        e -> restartLater("desired", this::startDesiredReader, e),
                        () -> {
                            // the kernel keeps what the last good generation put there until the new topic is read
                            desiredRead = false;
                            synchronized (lock) {
                                folder = new DesiredStateFolder(
                                        config.kafka().trust().generations());
                            }
                        },
                        () -> {
                            LOG.info(
                                    "{} read again after its recreation",
                                    config.topics().desired());
                            desiredRead = true;
                            loop.markDirty();
                        }),
                TOPIC_WAIT);
    }

    private synchronized void startHealthReader() {
        if (closed) return;
        synchronized (lock) {
            health = newHealthBook();
        }
        healthRead = false;
        healthReader = StateTopicReader.start(
                kafka,
                List.of(config.topics().health()),
                Records.listener(
                        this::onHealth,
                        () -> {
                            LOG.info("{} read to the end", config.topics().health());
                            healthRead = true;
                            loop.markDirty();
                        },
                        e -> restartLater("health", this::startHealthReader, e),
                        () -> {
                            healthRead = false; // nothing is decided on a half-read health topic
                            synchronized (lock) {
                                if (heldHealth == null) {
                                    heldHealth = health.view();
                                    heldHealthSinceMs = System.currentTimeMillis();
                                }
                                health = newHealthBook();
                            }
                        },
                        () -> {
                            LOG.info(
                                    "{} read again after its recreation",
                                    config.topics().health());
                            healthRead = true;
                            loop.markDirty();
                        }),
                TOPIC_WAIT);
    }

    /** A reader that failed (topic missing or broker unreachable for TOPIC_WAIT) is started again: an agent never gives up on its topics. */
    private void restartLater(String which, Runnable start, Throwable e) {
        if (which.equals("desired")) desiredRead = false;
        else healthRead = false;
        LOG.error(
                "the {} topic reader stopped ({}); starting it again in {} s",
                which,
                e.toString(),
                READER_RESTART.toSeconds());
        try {
            restarts.schedule(
                    () -> {
                        StateTopicReader old = which.equals("desired") ? desiredReader : healthReader;
                        if (old != null) old.close();
                        start.run();
                    },
                    READER_RESTART.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed
        }
    }

    private void onDesired(String key, String value) {
        Optional<DesiredSnapshot> s;
        long refusedBefore;
        long refusedAfter;
        long skippedBefore;
        long skippedAfter;
        String refusal;
        String skipped;
        synchronized (lock) {
            refusedBefore = folder.refusedTotal();
            skippedBefore = folder.skippedTotal();
            s = folder.apply(key, value); // never throws: a refused generation leaves the last good one in force
            refusedAfter = folder.refusedTotal();
            skippedAfter = folder.skippedTotal();
            refusal = folder.refusal().map(DesiredStateFolder.Refusal::reason).orElse(null);
            skipped = folder.lastSkipped().orElse(null);
        }
        if (refusedAfter != refusedBefore) {
            metrics.desiredRefused(refusedAfter - refusedBefore);
            LOG.error("desired generation refused: {}; the last good generation stays applied", refusal);
        }
        if (skippedAfter != skippedBefore) {
            metrics.desiredSkipped(skippedAfter - skippedBefore);
            LOG.warn("desired topic: {} skipped", skipped);
        }
        // a new generation tries the client fast path first (decision 127), which leaves anything else to a full run
        if (desiredRead && s.isPresent() && healthRead) loop.markUrgent();
        else if (desiredRead && (s.isPresent() || refusedAfter != refusedBefore || skippedAfter != skippedBefore))
            loop.markDirty(); // a run publishes the status that reports it
    }

    private void onHealth(String key, String value) {
        HealthTopicView.Applied applied;
        synchronized (lock) {
            applied = health.apply(key, value);
        }
        if (applied.unreadable() != null) metrics.healthRefused();
        reportUnreadable(applied);
        if (applied.changed() && healthRead) loop.markUrgent(); // the fast path, else a full run
        else if (healthRead
                && applied.record() instanceof HealthRecord.ServerInventory si
                && reconciler != null
                && reconciler.loadWeigher().wouldChange(si.streams(), System.currentTimeMillis()))
            loop.markDirty(); // a load-fed weight would move past the hysteresis (issue 16)
    }

    /** The health watch's periodic re-evaluation: time passing can expire a degraded checker and make the health stale. */
    private HealthWatch.Check checkHealth() {
        synchronized (lock) {
            boolean changed = health.tick();
            return new HealthWatch.Check(changed, health.freshness());
        }
    }

    /** The verdicts a run acts on: the held ones after a health topic's recreation, until the new topic covers. */
    private HealthView healthViewFor(DesiredSnapshot snap) {
        HealthView now = health.view();
        if (heldHealth == null) return now;
        List<Ipv4Address> missing = new ArrayList<>();
        if (snap != null) {
            Set<Ipv4Address> servers = new TreeSet<>();
            snap.state().pools().values().forEach(p -> p.servers().forEach(r -> servers.add(r.address())));
            servers.addAll(snap.state().backups().values());
            for (Ipv4Address a : servers) if (!now.servers().containsKey(a)) missing.add(a);
        }
        boolean covered =
                snap != null && missing.isEmpty() && !health.freshness().stale();
        boolean tooLong = System.currentTimeMillis() - heldHealthSinceMs > HELD_HEALTH_MAX.toMillis();
        if (!covered && !tooLong) return heldHealth;
        if (covered) LOG.info("the recreated health topic has a fresh verdict for every server: acting on it");
        else
            LOG.warn(
                    "the recreated health topic still has no verdict for {} after {}: acting on it anyway",
                    missing,
                    HELD_HEALTH_MAX);
        heldHealth = null;
        return now;
    }

    private static void reportUnreadable(HealthTopicView.Applied applied) {
        HealthRecord.Unreadable u = applied.unreadable();
        if (u != null) LOG.warn("health record {} skipped: {}", u.key(), u.problem());
    }

    private Optional<RunResult> runIfReady() {
        if (!desiredRead || !healthRead) return Optional.empty();
        DesiredSnapshot snap;
        HealthView view;
        Map<Ipv4Address, ServerStreams> inventories;
        synchronized (lock) {
            snap = folder.latest().orElse(null);
            view = healthViewFor(snap);
            inventories = config.loadWeights().on() ? health.inventories() : Map.of();
        }
        if (snap == null) {
            LOG.info("no complete desired generation yet: nothing to apply");
            return Optional.empty();
        }
        long t0 = System.nanoTime();
        RunResult r = reconciler.run(snap, view, inventories);
        metrics.recordDuration(System.nanoTime() - t0);
        if (traffic != null) traffic.labels(TrafficLabels.of(snap.state(), r.desired()));
        // The director function first, the VIP after it: keepalived (which may take the VIP at once, e.g. when the
        // peer is dead) starts only once a run has put this director's IPVS services, sysctls and sync daemons in
        // place; a VIP that arrives earlier sends viewers' packets to the local stack (RST). Later runs update the
        // VIP after their apply too. Errors: in the status.
        if (director != null && (directorArmed || r.ok())) {
            directorArmed = true;
            director.setVip(snap.state().params().vip());
        }
        return Optional.of(r);
    }

    /**
     * The fast paths ({@code Reconciler.fastRun}): a verdict change, or a new generation that only moves clients
     * (decision 127); empty: a full run decides.
     */
    private Optional<RunResult> fastIfReady() {
        if (!desiredRead || !healthRead) return Optional.empty();
        DesiredSnapshot snap;
        HealthView view;
        Map<Ipv4Address, ServerStreams> inventories;
        synchronized (lock) {
            if (heldHealth != null) return Optional.empty(); // a recreated health topic: the full run decides
            snap = folder.latest().orElse(null);
            view = health.view();
            // the same inventories as a full run: the fast edit carries the weigher's weights (decision 100)
            inventories = config.loadWeights().on() ? health.inventories() : Map.of();
        }
        if (snap == null) return Optional.empty();
        long t0 = System.nanoTime();
        Optional<RunResult> r = reconciler.fastRun(snap, view, inventories);
        if (r.isPresent()) {
            metrics.recordDuration(System.nanoTime() - t0);
            // /metrics' role labels follow the edit (the backup now in service), not the follow-up full run
            if (traffic != null && r.get().ok())
                traffic.labels(TrafficLabels.of(snap.state(), r.get().desired()));
        }
        return r;
    }

    private void afterRun(RunResult r) {
        last.set(r);
        metrics.record(r);
        AgentStatus s = toStatus(r);
        status.offer(config.director(), Json.write(s)); // never blocks: the newest status per director is sent
    }

    private AgentStatus toStatus(RunResult r) {
        AgentStatus.HealthFreshness f;
        String refused;
        synchronized (lock) {
            f = health.freshness();
            refused = folder.refusal().map(DesiredStateFolder.Refusal::reason).orElse(null);
        }
        List<String> unmet = reconciler.unmetSetup(); // e.g. a container's read-only /proc/sys: said at every publish
        if (director == null) return statusOf(config.director(), caps, metrics, r, f, null, unmet, refused);
        String syncRole = switch (config.sync().role()) {
            case NONE -> "off";
            case MASTER -> "master";
            case BACKUP -> "backup";
            case BOTH -> "master+backup";
        };
        List<String> haErrors = new ArrayList<>(unmet);
        if (!director.lastError().isEmpty()) haErrors.add("director HA: " + director.lastError());
        return statusOf(config.director(), caps, metrics, r, f, director.status(syncRole), haErrors, refused);
    }

    /**
     * The published status of a run. In plan-only mode nothing is applied: appliedGeneration stays
     * where the kernel really is (0: the agent cannot even read it), and an error line says
     * "plan-only (reason): nothing applied, N change(s) pending", so no reader takes the director
     * for one that applied a generation. steering-only: the IPVS changes it cannot make are listed.
     */
    static AgentStatus statusOf(String director, KernelCapabilities caps, Metrics metrics, RunResult r) {
        return statusOf(director, caps, metrics, r, null, null, List.of(), null);
    }

    /** {@link #statusOf(String, KernelCapabilities, Metrics, RunResult)} with health freshness and HA filled in. */
    static AgentStatus statusOf(
            String director,
            KernelCapabilities caps,
            Metrics metrics,
            RunResult r,
            AgentStatus.HealthFreshness health,
            AgentStatus.DirectorHa ha,
            List<String> haErrors,
            String desiredRefused) {
        List<String> errors = new ArrayList<>(r.errors());
        if (caps.mode() == KernelMode.PLAN_ONLY) {
            errors.add("plan-only (" + caps.reason() + "): nothing applied, "
                    + r.notApplied().size() + " change(s) pending");
        } else if (caps.mode() == KernelMode.STEERING_ONLY && !r.notApplied().isEmpty()) {
            errors.add("plan-only (" + caps.reason() + "): " + r.notApplied().size() + " IPVS change(s) not applied");
        }
        errors.addAll(haErrors);
        DesiredKernel dk = r.desired();
        return new AgentStatus(
                director,
                caps.mode().label(),
                metrics.appliedGeneration(),
                r.generation(),
                r.atMs(),
                metrics.lastSuccessMs(),
                metrics.driftRepaired(),
                r.drift(),
                errors,
                dk == null ? List.of() : dk.pools(),
                dk == null ? List.of() : dk.drainStatus(),
                ha,
                health,
                r.foreignRules(),
                desiredRefused);
    }

    private HealthReport health() {
        RunResult r = last.get();
        boolean ready = desiredRead && healthRead;
        long now = System.currentTimeMillis();
        Optional<String> stale = freshness.stale(now, metrics.lastSuccessMs());
        boolean ok = ready && (r == null || r.ok()) && stale.isEmpty();
        return new HealthReport(
                ok,
                new JsonObject()
                        .put("status", ok ? "UP" : "DOWN")
                        .put("reconcileAgeMs", freshness.ageMs(now, metrics.lastSuccessMs()))
                        .put("reconcileStale", stale.orElse(null))
                        .put("mode", caps.mode().label())
                        .put("reason", caps.reason())
                        .put("topicsRead", ready)
                        .put("appliedGeneration", metrics.appliedGeneration())
                        .put("pendingChanges", metrics.pending())
                        .put("health", healthJson())
                        .put("desiredRefused", desiredRefused())
                        .put("lastErrors", r == null ? List.of() : r.errors()));
    }

    /** Why the newest desired generation was refused (issue 13), or null. */
    public String desiredRefused() {
        synchronized (lock) {
            return folder.refusal().map(DesiredStateFolder.Refusal::reason).orElse(null);
        }
    }

    private JsonObject healthJson() {
        AgentStatus.HealthFreshness f = healthWatch == null ? null : healthWatch.latest();
        if (f == null) return null;
        return new JsonObject()
                .put("stale", f.stale())
                .put("newestRefreshAgeMs", f.newestRefreshAgeMs())
                .put("staleAfterMs", f.staleAfterMs())
                .put("reason", f.reason());
    }

    /** Stops the loop (a running reconcile finishes), the readers and the status producer on a worker thread, then the HTTP endpoint. */
    @Override
    public Future<?> stop() {
        return ServiceStop.inOrder(vertx, this::closeParts, http, serviceMetrics);
    }

    private synchronized void closeParts() {
        if (closed) return;
        closed = true;
        restarts.shutdownNow();
        for (AutoCloseable c :
                new AutoCloseable[] {healthWatch, loop, directorFollower, director, desiredReader, healthReader, status
                }) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("close: {}", e.toString());
            }
        }
        kernel.close(); // the fast path's ipvsadm session, after the loop that uses it
    }

    // ---- CLI: videolb plan / videolb cleanup ------------------------------------------------------

    /**
     * Prints the kernel changes (and payloads) the agent would make now; applies nothing. {@link ExitCode#OK}: in sync,
     * {@link ExitCode#CHANGES_PENDING}, {@link ExitCode#KAFKA_FAILED}: the topics could not be read, {@link ExitCode#FAILED}: any other error.
     */
    public static ExitCode plan(AgentSettings config, PrintStream out) {
        return plan(config, out, Duration.ofSeconds(30));
    }

    /** {@link #plan(AgentSettings, PrintStream)} waiting up to {@code wait} for the topics to be read (slow machines, big topics). */
    public static ExitCode plan(AgentSettings config, PrintStream out, Duration wait) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        DesiredStateFolder folder =
                new DesiredStateFolder(config.kafka().trust().generations());
        HealthBook health = new HealthBook(
                HealthBook.DEFAULT_STALE_AFTER_MS,
                System::currentTimeMillis,
                config.kafka().trust().healthMaxFutureSkewMs());
        KafkaSettings kafka = config.kafka().settings("videolb-plan-" + config.director());
        BiConsumer<String, String> onHealth = (k, v) -> reportUnreadable(health.apply(k, v));
        try (StateTopicReader d = StateTopicReader.start(
                        kafka,
                        List.of(config.topics().desired()),
                        Records.listener(folder::apply, () -> {}, e -> {}),
                        wait);
                StateTopicReader h = StateTopicReader.start(
                        kafka,
                        List.of(config.topics().health()),
                        Records.listener(onHealth, () -> {}, e -> {}),
                        wait)) {
            long deadline = System.nanoTime() + wait.toNanos();
            boolean read;
            String why = "";
            try {
                read = d.awaitCaughtUp(wait)
                        && h.awaitCaughtUp(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            } catch (IllegalStateException e) { // a reader failed, e.g. a topic that never appeared
                read = false;
                why = ": " + e.getMessage();
            }
            if (!read) {
                out.println("error: could not read the desired and health topics from "
                        + config.kafka().bootstrapServers() + " within " + wait.toSeconds() + " s" + why);
                return ExitCode.KAFKA_FAILED;
            }
            folder.refusal()
                    .ifPresent(f -> out.println("# WARNING: the newest desired generation was refused (" + f.reason()
                            + "); showing the last good one"));
            DesiredSnapshot snap = folder.latest().orElse(null);
            if (snap == null) {
                out.println("no desired state has been published yet");
                return ExitCode.FAILED;
            }
            KernelCapabilities caps = kernel.detect(config.procRoot());
            KernelState observed = kernel.read(caps);
            Ownership own = new Ownership(config.ownershipFile());
            DesiredKernel dk = DesiredKernel.compute( // the running agent's drains and services, as it sees them
                    snap.state(),
                    health.view(),
                    observed,
                    own.drains(),
                    System.currentTimeMillis(),
                    config.policy(),
                    config.names(),
                    own.marks());
            // load-fed weights as the running agent would set them from the kernel's current ones (no memory here)
            dk = new LoadWeigher(config.loadWeights(), config.healthStale().toMillis())
                    .apply(dk, snap.state(), observed, health.inventories(), System.currentTimeMillis());
            Plan plan = Planner.plan(dk.state(), observed, own.marks());
            out.println("# generation " + snap.generation() + ", kernel mode "
                    + caps.mode().label() + (caps.reason().isEmpty() ? "" : " (" + caps.reason() + ")"));
            for (AgentStatus.PoolStatus p : dk.pools()) // failover gating: why a backup was passed over
            for (String r : p.refusedBackups()) out.println("# pool " + p.mark() + ": " + r);
            print(plan, config, out);
            printForeignRules(kernel, config, snap.state().params().vip(), out);
            return plan.isEmpty() ? ExitCode.OK : ExitCode.CHANGES_PENDING;
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
            return ExitCode.FAILED;
        }
    }

    /** Removes only what videolb owns: the jump, our chain, our sets, our fwmark services. {@link ExitCode#OK} on success. */
    public static ExitCode cleanup(AgentSettings config, PrintStream out) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        try {
            KernelCapabilities caps = kernel.detect(config.procRoot());
            Ownership own = new Ownership(config.ownershipFile());
            Plan plan = Planner.cleanup(kernel.read(caps), own.marks());
            print(plan, config, out);
            for (Step s : new Renderer(config.names()).render(plan)) kernel.run(s);
            if (caps.ipvs()) own.retainOnly(Set.of());
            out.println(
                    plan.isEmpty()
                            ? "nothing of videolb's was in the kernel"
                            : "removed " + plan.changes().size() + " object(s)");
            return ExitCode.OK;
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
            return ExitCode.FAILED;
        }
    }

    private static void printForeignRules(Kernel kernel, AgentSettings config, Ipv4Address vip, PrintStream out) {
        if (kernel.lastMangle() == null) return;
        List<String> foreign = MangleRules.parse(kernel.lastMangle()).overridingSteering(config.names(), vip);
        if (foreign.isEmpty()) return;
        out.println("# WARNING: " + foreign.size() + " foreign mangle rule(s) can override the marks videolb's"
                + " steering gives (`videolb migrate-marks` removes the original setup's per-client ones):");
        for (String f : foreign) out.println("#   " + f);
    }

    /**
     * {@code videolb migrate-marks}: shows (and with {@code apply} removes) exactly the original setup's per-client
     * MARK rules, see {@link MarkMigration}. {@link ExitCode#OK}: nothing left to remove (or
     * removed), {@link ExitCode#CHANGES_PENDING}: rules shown, not removed; {@link ExitCode#FAILED}: error or refused.
     */
    public static ExitCode migrateMarks(AgentSettings config, Ipv4Address vip, boolean apply, PrintStream out) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        try {
            KernelCapabilities caps = kernel.detect(config.procRoot());
            MarkMigration.Outcome o = MarkMigration.run(kernel, caps, vip, apply, config.iptablesRules(), out);
            if (o.refusal() != null) return ExitCode.FAILED;
            return o.matched().isEmpty() || o.removed() ? ExitCode.OK : ExitCode.CHANGES_PENDING;
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
            return ExitCode.FAILED;
        }
    }

    private static void print(Plan plan, AgentSettings config, PrintStream out) {
        if (plan.isEmpty()) {
            out.println("# the kernel matches: no change");
            return;
        }
        for (String d : plan.describe()) out.println("# " + d);
        for (Step s : new Renderer(config.names()).render(plan)) {
            out.println(
                    switch (s.tool()) {
                        case IPSET -> "ipset restore <<EOF";
                        case IPTABLES -> "iptables-restore --noflush <<EOF";
                        case IPVS -> "ipvsadm -R <<EOF";
                    });
            List<String> lines = s.lines();
            int shown = Math.min(lines.size(), 50);
            for (int i = 0; i < shown; i++) out.println(lines.get(i));
            if (shown < lines.size()) out.println("... " + (lines.size() - shown) + " more lines");
            out.println("EOF");
        }
    }
}
