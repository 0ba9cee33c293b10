package io.videolb.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.health.kafka.DesiredReader;
import io.videolb.health.kafka.HealthTopicMember;
import io.videolb.health.kafka.KafkaVerdictSink;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicAdmin;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.ProbeScheduler;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.health.schedule.Target;
import io.videolb.model.Ipv4Address;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * <pre>{@code
 * try (HealthService hs = new HealthService(HealthServiceSettings.builder().bootstrap("127.0.0.1:9092").build())) {
 *     hs.start();   // returns once the HTTP endpoint listens and the Kafka readers run
 * }
 * }</pre>
 */
public final class HealthService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthService.class);

    private final HealthServiceSettings config;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final SequenceClock sequences = SequenceClock.system();
    private final AtomicReference<DesiredSnapshot> desired = new AtomicReference<>();
    private final AtomicReference<Set<Integer>> owned = new AtomicReference<>(Set.of());
    private final AtomicInteger up = new AtomicInteger();
    private final AtomicInteger down = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();
    private final AtomicInteger degraded = new AtomicInteger();
    private volatile int partitionCount = 1;
    private Vertx vertx;
    private Context context;
    private Prober prober;
    private ProbeScheduler scheduler;
    private KafkaVerdictSink sink;
    private HealthTopicMember member;
    private DesiredReader reader;
    private HttpServer http;
    private volatile boolean started;
    private volatile boolean closed;

    public HealthService(HealthServiceSettings config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Starts everything; returns when the HTTP endpoint listens and the Kafka readers run. */
    public synchronized HealthService start() throws Exception {
        if (started) return this;
        started = true;
        TopicAdmin.ensure(config.kafka().settings("health-topic-admin-" + config.checkerId()), config.topics());
        vertx = Vertx.vertx();
        context = vertx.getOrCreateContext();
        Map<ProbeLevel, Timer[]> steps = new LinkedHashMap<>();
        for (ProbeLevel l : ProbeLevel.values()) {
            steps.put(l, new Timer[] {timer("videolb.health.probe.step", l, "ok"), timer("videolb.health.probe.step", l, "fail")});
        }
        prober = new Prober(vertx, (step, ok, micros) -> steps.get(step)[ok ? 0 : 1].record(micros, TimeUnit.MICROSECONDS));
        KafkaSettings kafka = config.kafka().settings("health-" + config.checkerId());
        sink = new KafkaVerdictSink(kafka, config.topics().health());
        Map<String, Timer> probes = new HashMap<>();
        Map<String, Counter> transitions = new HashMap<>();
        ProbeScheduler.Observer observer = new ProbeScheduler.Observer() {
            @Override
            public void probed(Target t, ProbeResult r) {
                String k = t.settings().level() + "/" + r.ok();
                probes.computeIfAbsent(k, x -> timer("videolb.health.probe", t.settings().level(), r.ok() ? "ok" : "fail"))
                        .record(r.latencyMicros(), TimeUnit.MICROSECONDS);
            }

            @Override
            public void transition(Target t, HealthVerdict v) {
                transitions.computeIfAbsent(v.verdict().name(), x -> Counter.builder("videolb.health.transitions").tag("to", x).register(registry)).increment();
            }
        };
        Target knownGood = config.knownGood() == null ? null
                : new Target(config.knownGood().host(), config.knownGood(), config.defaults());
        scheduler = new ProbeScheduler(vertx, context, prober, sink, sequences, config.checkerId(), config.massFailureShare(), knownGood,
                config.refreshInterval().toMillis(), observer);
        Gauge.builder("videolb.health.servers", up, AtomicInteger::get).tag("verdict", "up").register(registry);
        Gauge.builder("videolb.health.servers", down, AtomicInteger::get).tag("verdict", "down").register(registry);
        Gauge.builder("videolb.health.servers", unknown, AtomicInteger::get).tag("verdict", "unknown").register(registry);
        Gauge.builder("videolb.health.checker.degraded", degraded, AtomicInteger::get).register(registry);
        Gauge.builder("videolb.health.partitions.owned", owned, o -> o.get().size()).register(registry);
        context.runOnContext(v -> vertx.setPeriodic(1000, id -> countVerdicts()));

        member = new HealthTopicMember(kafka.withClientId("health-member-" + config.checkerId()), config.topics().health(), config.groupId(),
                (int) config.sessionTimeout().toMillis(), sequences, (parts, count) -> {
                    partitionCount = count;
                    owned.set(parts);
                    retarget();
                }).start();
        reader = new DesiredReader(kafka.withClientId("health-desired-" + config.checkerId()), config.topics().desired(), s -> {
            desired.set(s);
            LOG.info("desired generation {}", s.generation());
            retarget();
        }).start();

        Router router = Router.router(vertx);
        router.get("/metrics").handler(this::metrics);
        router.get("/health").handler(this::health);
        Promise<HttpServer> listening = Promise.promise();
        context.runOnContext(v -> vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.httpHost()).onComplete(listening));
        http = listening.future().await();
        LOG.info("health-service {} started: /metrics and /health on {}:{}", config.checkerId(), config.httpHost(), http.actualPort());
        return this;
    }

    private Timer timer(String name, ProbeLevel level, String outcome) {
        return Timer.builder(name).tag("level", level.name().toLowerCase()).tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }

    /** Recomputes the probed set from the newest desired state and the owned partitions. */
    private void retarget() {
        DesiredSnapshot s = desired.get();
        if (s == null || closed) return;
        Set<Integer> mine = owned.get();
        int n = partitionCount;
        Map<Ipv4Address, Target> targets = Targets.of(s.state(), config, a -> mine.contains(HealthTopicMember.partitionOf(a.toString(), n)));
        Map<Ipv4Address, HealthVerdict> last = member.latest();
        scheduler.run(sch -> sch.setTargets(targets, last));
    }

    private void countVerdicts() {
        int u = 0, d = 0, x = 0;
        for (Verdict v : scheduler.verdicts().values()) {
            if (v == Verdict.UP) u++; else if (v == Verdict.DOWN) d++; else x++;
        }
        up.set(u);
        down.set(d);
        unknown.set(x);
        degraded.set(scheduler.degraded() ? 1 : 0);
    }

    private void metrics(RoutingContext rc) {
        rc.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(registry.scrape());
    }

    private void health(RoutingContext rc) {
        boolean ready = reader.caughtUp() && !closed;
        JsonObject body = new JsonObject()
                .put("status", ready ? "UP" : "STARTING")
                .put("checkerId", config.checkerId())
                .put("desiredGeneration", desired.get() == null ? 0 : desired.get().generation())
                .put("ownedPartitions", owned.get().stream().sorted().toList())
                .put("servers", new JsonObject().put("up", up.get()).put("down", down.get()).put("unknown", unknown.get()))
                .put("degraded", degraded.get() == 1)
                .put("published", sink.sent.get())
                .put("publishFailures", sink.failed.get());
        rc.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json").end(body.encode());
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

    /** Stops probing and publishing, leaves the group (its partitions move to the other instances). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed || !started) {
            closed = true;
            return;
        }
        closed = true;
        if (reader != null) reader.close();
        if (scheduler != null) {
            Promise<Void> p = Promise.promise();
            scheduler.run(s -> {
                s.close();
                prober.close();
                p.complete();
            });
            try {
                p.future().await(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("scheduler did not stop in 5 s", e);
            }
        }
        if (member != null) member.close();
        if (sink != null) sink.close();
        if (vertx != null) {
            try {
                vertx.close().await(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("vert.x did not close in 10 s", e);
            }
        }
        LOG.info("health-service {} stopped", config.checkerId());
    }
}
