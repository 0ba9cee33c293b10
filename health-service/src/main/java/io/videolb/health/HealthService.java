package io.videolb.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.inventory.DrainHandover;
import io.videolb.health.inventory.InventoryPublisher;
import io.videolb.health.inventory.RequiredStreams;
import io.videolb.health.kafka.DesiredReader;
import io.videolb.health.kafka.HealthTopicMember;
import io.videolb.health.kafka.KafkaVerdictSink;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.InventoryPoller;
import io.videolb.health.schedule.LagWatch;
import io.videolb.health.schedule.ProbeScheduler;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.health.schedule.Target;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicAdmin;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.HealthReport;
import io.videolb.runtime.ServiceEndpoints;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.ServiceStop;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health service: reads the desired state, probes the real and backup servers of the
 * partitions this instance owns, publishes verdicts to the health topic, serves {@code /metrics}
 * and {@code /health}. Composition root: every part is made here with {@code new}.
 *
 * A verticle on the process's {@link ServiceRuntime}:
 *
 * <pre>{@code
 * try (ServiceRuntime runtime = ServiceRuntime.create()) {
 *     HealthService hs = runtime.deploy(new HealthService(HealthServiceSettings.builder().bootstrap("127.0.0.1:9092").build(), runtime));
 *     // running: the HTTP endpoint listens and the Kafka readers run
 * }   // stopped
 * }</pre>
 */
public final class HealthService extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(HealthService.class);

    /** The name in logs, on {@code /metrics} ({@code service="health-service"}) and in the standalone ready line. */
    public static final String NAME = "health-service";

    /** The checker samples its own loop's lag this often ... */
    static final long LAG_SAMPLE_MS = 100;
    // ... and reports itself degraded when every sample is later than the settings' lagThreshold for lagSustain

    private final HealthServiceSettings config;
    private final ServiceRuntime runtime;
    private final SequenceClock sequences = SequenceClock.system();
    private final AtomicReference<DesiredSnapshot> desired = new AtomicReference<>();
    private final AtomicReference<Set<Integer>> owned = new AtomicReference<>(Set.of());
    private final AtomicInteger up = new AtomicInteger();
    private final AtomicInteger down = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();
    private final AtomicInteger degraded = new AtomicInteger();
    private volatile int partitionCount = 1;
    private ServiceMetrics metrics;
    private MeterRegistry registry;
    private Prober prober;
    private ProbeScheduler scheduler;
    /** Reads each server's stats page when a stats URL is set (VIDEOLB_HEALTH_STATS_URL or a pool's); null otherwise. */
    private InventoryPoller inventory;
    /** Drops a drained server's subscribers at its deadline when VIDEOLB_HEALTH_CONTROL_URL is set; null otherwise. */
    private DrainHandover handover;
    /** Each probed server's required streams (issue 16), read by the scheduler's stream check. */
    private volatile Map<Ipv4Address, List<String>> requiredStreams = Map.of();

    private ServerSeries serverSeries;
    private KafkaVerdictSink sink;
    private HealthTopicMember member;
    private DesiredReader reader;
    private HttpServer http;
    private volatile boolean closed;

    /** Deploy with {@link ServiceRuntime#deploy}: probes run on this verticle's event loop, Kafka on named threads. */
    public HealthService(HealthServiceSettings config, ServiceRuntime runtime) {
        this.config = Objects.requireNonNull(config, "config");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /**
     * Ensures the topics and opens the verdict sink (worker thread: both wait for the broker), builds
     * the scheduler on this verticle's context, starts the Kafka readers (worker thread), then listens;
     * completes when the HTTP endpoint listens and the readers run.
     */
    @Override
    public Future<?> start() {
        metrics = runtime.metrics(NAME);
        registry = metrics.registry();
        KafkaSettings kafka = config.kafka().settings("health-" + config.checkerId());
        return vertx.executeBlocking(() -> {
                    TopicAdmin.ensure(
                            config.kafka().settings("health-topic-admin-" + config.checkerId()),
                            config.topics(),
                            config.kafka().topicReplication());
                    return new KafkaVerdictSink(kafka, config.topics().health(), registry);
                })
                .compose(s -> {
                    sink = s;
                    startScheduler();
                    return vertx.executeBlocking(() -> {
                        startReaders(kafka);
                        return null;
                    });
                })
                .compose(v -> {
                    Router router = ServiceEndpoints.mount(Router.router(vertx), this::health, metrics);
                    return vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.httpHost());
                })
                .onSuccess(server -> {
                    http = server;
                    LOG.info(
                            "health-service {} started: /metrics and /health on {}:{}",
                            config.checkerId(),
                            config.httpHost(),
                            http.actualPort());
                })
                .recover(e -> stop().transform(x -> Future.failedFuture(e)));
    }

    /** On this verticle's context: the prober, the scheduler, the meters and the once-a-second verdict count. */
    private void startScheduler() {
        Map<ProbeLevel, Timer[]> steps = new LinkedHashMap<>();
        for (ProbeLevel l : ProbeLevel.values()) {
            steps.put(l, new Timer[] {
                timer("videolb.health.probe.step", l, "ok"), timer("videolb.health.probe.step", l, "fail")
            });
        }
        prober = new Prober(
                vertx, (step, ok, micros) -> steps.get(step)[ok ? 0 : 1].record(micros, TimeUnit.MICROSECONDS));
        Map<String, Timer> probes = new HashMap<>();
        serverSeries = new ServerSeries(registry);
        HandoverCounters handovers = new HandoverCounters(registry);
        Map<String, Counter> transitions = new HashMap<>();
        Counter inconclusiveProbes = Counter.builder("videolb.health.probes.inconclusive")
                .description("Failed probes not counted: they completed past their timeout, so the checker was late")
                .register(registry);
        ProbeScheduler.Observer observer = new ProbeScheduler.Observer() {
            @Override
            public void probed(Target t, ProbeResult r) {
                String k = t.settings().level() + "/" + r.ok();
                probes.computeIfAbsent(
                                k,
                                x -> timer("videolb.health.probe", t.settings().level(), r.ok() ? "ok" : "fail"))
                        .record(r.latencyMicros(), TimeUnit.MICROSECONDS);
                serverSeries.probed(t.server(), t.settings().level(), r.latencyMicros());
            }

            @Override
            public void transition(Target t, HealthVerdict v) {
                transitions
                        .computeIfAbsent(
                                v.verdict().name(),
                                x -> Counter.builder("videolb.health.transitions")
                                        .tag("to", x)
                                        .register(registry))
                        .increment();
            }

            @Override
            public void inconclusive(Target t, ProbeResult r, long lateMs) {
                inconclusiveProbes.increment();
            }
        };
        Target knownGood = config.knownGood() == null
                ? null
                : new Target(config.knownGood().host(), config.knownGood(), config.defaults());
        scheduler = new ProbeScheduler(
                vertx,
                context,
                prober,
                sink,
                sequences,
                config.checkerId(),
                config.massFailureShare(),
                knownGood,
                config.refreshInterval().toMillis(),
                observer);
        Gauge.builder("videolb.health.servers", up, AtomicInteger::get)
                .tag("verdict", "up")
                .register(registry);
        Gauge.builder("videolb.health.servers", down, AtomicInteger::get)
                .tag("verdict", "down")
                .register(registry);
        Gauge.builder("videolb.health.servers", unknown, AtomicInteger::get)
                .tag("verdict", "unknown")
                .register(registry);
        Gauge.builder("videolb.health.checker.degraded", degraded, AtomicInteger::get)
                .register(registry);
        Gauge.builder("videolb.health.partitions.owned", owned, o -> o.get().size())
                .register(registry);
        vertx.setPeriodic(1000, id -> countVerdicts());
        if (config.inventoryOn()) {
            InventoryPublisher publisher = new InventoryPublisher(
                    config.checkerId(),
                    sequences,
                    System::currentTimeMillis,
                    InventoryPublisher.refreshMs(
                            config.refreshInterval().toMillis(),
                            config.heartbeat().toMillis()),
                    sink::inventory,
                    sink::inventoryGone);
            inventory = new InventoryPoller(
                    vertx,
                    context,
                    prober,
                    config.defaults().interval().toMillis(),
                    Math.min(
                            config.defaults().timeout().toMillis(),
                            config.defaults().interval().toMillis() - 1),
                    publisher::read,
                    publisher::retain);
            if (config.handoverOn()) {
                InventoryPoller polled = inventory;
                handover = new DrainHandover(
                        vertx,
                        prober::dropSubscribers,
                        config.defaults().timeout().toMillis(),
                        System::currentTimeMillis,
                        polled::latest,
                        handovers);
            }
            InventoryPoller poller = inventory;
            // a server whose known inventory lacks a required stream fails its probe as a frozen encoder does
            scheduler.run(sch -> sch.setStreamCheck((server, r) ->
                    RequiredStreams.apply(r, requiredStreams.getOrDefault(server, List.of()), poller.latest(server))));
        }
        scheduler.run(sch -> {
            sch.setRetryDelay(config.retryDelay().toMillis());
            sch.startLagWatch(
                    LAG_SAMPLE_MS,
                    new LagWatch(
                            config.lagThreshold().toMillis(),
                            config.lagSustain().toMillis()));
            sch.startHeartbeat(config.heartbeat().toMillis());
        });
    }

    /** Worker thread: the group member (work sharing) and the desired-state reader, each polling on its own named thread. */
    private void startReaders(KafkaSettings kafka) {
        member = new HealthTopicMember(
                        kafka.withClientId("health-member-" + config.checkerId()),
                        config.topics().health(),
                        config.groupId(),
                        (int) config.sessionTimeout().toMillis(),
                        sequences,
                        (parts, count) -> {
                            partitionCount = count;
                            owned.set(parts);
                            scheduler.run(sch -> sch.setPartitions(parts, count));
                            retarget();
                        })
                .start();
        reader = new DesiredReader(
                        kafka.withClientId("health-desired-" + config.checkerId()),
                        config.topics().desired(),
                        config.kafka().trust().generations(),
                        s -> {
                            desired.set(s);
                            LOG.info("desired generation {}", s.generation());
                            retarget();
                        })
                .start();
    }

    private Timer timer(String name, ProbeLevel level, String outcome) {
        return Timer.builder(name)
                .tag("level", level.name().toLowerCase())
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /**
     * Recomputes the probed set from the newest desired state and the owned partitions, on this verticle's context.
     * Both Kafka readers call it from their own threads; computed there, a slow thread's older result (desired state
     * read before the partitions were owned: no targets) could be handed to the scheduler after a newer one and stop
     * all probing for good. On the one context, each run reads the newest of both and the last run wins.
     */
    private void retarget() {
        context.runOnContext(v -> retargetOnContext());
    }

    private void retargetOnContext() {
        DesiredSnapshot s = desired.get();
        if (s == null || closed || member == null) return;
        Set<Integer> mine = owned.get();
        int n = partitionCount;
        Map<Ipv4Address, Target> targets =
                Targets.of(s.state(), config, a -> mine.contains(HealthTopicMember.partitionOf(a.toString(), n)));
        Map<Ipv4Address, HealthVerdict> last = member.latest();
        scheduler.setTargets(targets, last);
        Map<Ipv4Address, StreamSettings> streams = Targets.streams(s.state(), config);
        if (inventory != null) {
            Map<Ipv4Address, InventoryPoller.StatsEndpoint> stats = new LinkedHashMap<>();
            Map<Ipv4Address, List<String>> required = new HashMap<>();
            targets.forEach((server, t) -> {
                StreamSettings st = streams.getOrDefault(server, config.defaultStreams());
                if (st.statsUrl() == null) return; // off for this server's pool
                stats.put(server, st.statsUrl().of(t.endpoint()));
                if (!st.required().isEmpty()) required.put(server, st.required());
            });
            requiredStreams = Map.copyOf(required);
            inventory.setTargets(stats);
        }
        if (handover != null) {
            // each server's control location: its pool's (VIDEOLB_HEALTH_POOL_<MARK>_CONTROL_URL), else the global one
            Map<Ipv4Address, InventoryPoller.StatsEndpoint> control = new LinkedHashMap<>();
            targets.forEach((server, t) -> {
                StatsUrl url =
                        streams.getOrDefault(server, config.defaultStreams()).controlUrl();
                if (url != null) control.put(server, url.of(t.endpoint()));
            });
            handover.update(s.state().maintenance(), control);
        }
    }

    private void countVerdicts() {
        int u = 0, d = 0, x = 0;
        Map<Ipv4Address, Verdict> verdicts = scheduler.verdicts();
        serverSeries.sync(verdicts);
        for (Verdict v : verdicts.values()) {
            if (v == Verdict.UP) u++;
            else if (v == Verdict.DOWN) d++;
            else x++;
        }
        up.set(u);
        down.set(d);
        unknown.set(x);
        degraded.set(scheduler.degraded() ? 1 : 0);
    }

    private HealthReport health() {
        boolean ready = reader != null && reader.caughtUp() && !closed;
        JsonObject body = new JsonObject()
                .put("status", ready ? "UP" : "STARTING")
                .put("checkerId", config.checkerId())
                .put(
                        "desiredGeneration",
                        desired.get() == null ? 0 : desired.get().generation())
                .put("ownedPartitions", owned.get().stream().sorted().toList())
                .put(
                        "servers",
                        new JsonObject()
                                .put("up", up.get())
                                .put("down", down.get())
                                .put("unknown", unknown.get()))
                .put("degraded", degraded.get() == 1)
                .put("published", sink.sent.get())
                .put("publishFailures", sink.failed.get());
        if (handover != null) {
            JsonArray done = new JsonArray();
            for (DrainHandover.Outcome o : handover.outcomes())
                done.add(new JsonObject()
                        .put("server", o.server().toString())
                        .put("deadlineAtMs", o.deadlineAtMs())
                        .put("startedAtMs", o.startedAtMs())
                        .put("tookMs", o.tookMs())
                        .put("streams", o.streams())
                        .put("dropped", o.dropped())
                        .put("ok", o.ok())
                        .put("failures", o.failures()));
            body.put("drainHandovers", done);
        }
        return new HealthReport(ready, body);
    }

    public int httpPort() {
        return http.actualPort();
    }

    public String checkerId() {
        return config.checkerId();
    }

    /** Partitions of the health topic this instance probes now. */
    public Set<Integer> ownedPartitions() {
        return owned.get();
    }

    /** Servers probed now. */
    public int probedServers() {
        Promise<Integer> p = Promise.promise();
        scheduler.run(s -> p.complete(s.size()));
        return p.future().await();
    }

    /**
     * Stops probing (on this verticle's context), then, on a worker thread, the readers, the group
     * membership (its partitions move to the other instances) and the sink (its queued verdicts are
     * sent first, bounded); removes this service's meters. Also cleans up after a failed start.
     */
    @Override
    public Future<?> stop() {
        closed = true;
        if (inventory != null) inventory.close();
        if (handover != null) context.runOnContext(v -> handover.close());
        if (scheduler != null) {
            scheduler.close();
            prober.close();
        }
        return ServiceStop.inOrder(vertx, this::closeKafkaParts, http, metrics)
                .onComplete(ar -> LOG.info("health-service {} stopped", config.checkerId()));
    }

    /** Worker thread: each closes its Kafka client (the sink sends its queued verdicts first, bounded). */
    private void closeKafkaParts() {
        for (AutoCloseable c : new AutoCloseable[] {reader, member, sink}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("stopping health-service {}: {}", config.checkerId(), e.toString());
            }
        }
    }
}
