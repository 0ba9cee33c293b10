package io.videolb.agent;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.ProcessCommandRunner;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthBook;
import io.videolb.agent.http.AgentHttp;
import io.videolb.agent.http.Metrics;
import io.videolb.agent.kafka.Records;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.loop.ReconcileLoop;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.events.HealthVerdict;
import io.videolb.json.Json;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.model.Ipv4Address;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ipvs-agent service: makes this director's kernel match the desired state. Composition root:
 * every part is built here with {@code new}. {@link #start()} returns once the followers, the
 * reconcile loop and the HTTP endpoint run; the first apply happens when the desired and health
 * topics have been read to the end. {@link #close()} is prompt and idempotent.
 */
public final class IpvsAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsAgent.class);

    private final AgentSettings config;
    private final Kernel kernel;
    /** How long a state reader waits for its topic (and a reachable broker) before it fails and is restarted. */
    static final Duration TOPIC_WAIT = Duration.ofSeconds(60);
    static final Duration READER_RESTART = Duration.ofSeconds(5);
    private DesiredStateFolder folder = new DesiredStateFolder(); // guarded by lock
    private HealthBook health = new HealthBook();                 // guarded by lock
    private final Object lock = new Object();
    private final AtomicReference<RunResult> last = new AtomicReference<>();
    private KernelCapabilities caps;
    private Reconciler reconciler;
    private Metrics metrics;
    private ReconcileLoop loop;
    private KafkaSettings kafka;
    private volatile StateTopicReader desiredReader;
    private volatile StateTopicReader healthReader;
    /** Set by the readers' onCaughtUp BEFORE they ask for a run (their caughtUp() future completes just after). */
    private volatile boolean desiredRead;
    private volatile boolean healthRead;
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-reader-restart");
        t.setDaemon(true);
        return t;
    });
    private EventPublisher status;
    private AgentHttp http;
    private boolean closed;

    public IpvsAgent(AgentSettings config) {
        this(config, new Kernel(new ProcessCommandRunner(), config.tools(), config.names()));
    }

    /** With a given kernel port (tests: a fake kernel or a kernel inside a namespace). */
    public IpvsAgent(AgentSettings config, Kernel kernel) {
        this.config = config;
        this.kernel = kernel;
    }

    public synchronized IpvsAgent start() throws Exception {
        caps = config.planOnly() ? KernelCapabilities.NONE : kernel.detect(config.procRoot());
        if (caps.mode().equals("apply")) LOG.info("ipvs-agent {}: applying to this kernel (IPVS and steering available)", config.director());
        else LOG.warn("ipvs-agent {}: {} MODE: {} - changes are computed and logged, {} applied", config.director(), caps.mode().toUpperCase(),
                caps.reason(), caps.steering() ? "only ipset/iptables are" : "nothing is");
        reconciler = new Reconciler(kernel, caps, config.policy(), new Ownership(config.ownershipFile()),
                new RebootFiles(config.ipvsRules(), config.iptablesRules(), config.ipsetRules(), config.names()),
                config.sysctlRoot(), config.sync(), System::currentTimeMillis);
        metrics = new Metrics(caps.mode());
        loop = new ReconcileLoop(this::runIfReady, this::afterRun, () -> reconciler.needsPolling(), config.minInterval(), config.resync(), config.drainPoll());
        kafka = config.kafka().settings("ipvs-agent-" + config.director());
        status = new EventPublisher(kafka.withClientId("ipvs-agent-status-" + config.director()));
        if (config.httpPort() >= 0) http = new AgentHttp(config.httpHost(), config.httpPort(), metrics, this::healthJson, config.procRoot());
        loop.start();
        startDesiredReader();
        startHealthReader();
        return this;
    }

    public KernelCapabilities capabilities() {
        return caps;
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
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
            folder = new DesiredStateFolder(); // a (re)start folds the topic from offset 0 again
        }
        desiredRead = false;
        desiredReader = StateTopicReader.start(kafka, List.of(config.topics().desired()), Records.listener(this::onDesired, () -> {
            LOG.info("{} read to the end", config.topics().desired());
            desiredRead = true;
            loop.markDirty();
        }, e -> restartLater("desired", this::startDesiredReader, e)), TOPIC_WAIT);
    }

    private synchronized void startHealthReader() {
        if (closed) return;
        synchronized (lock) {
            health = new HealthBook();
        }
        healthRead = false;
        healthReader = StateTopicReader.start(kafka, List.of(config.topics().health()), Records.listener(this::onHealth, () -> {
            LOG.info("{} read to the end", config.topics().health());
            healthRead = true;
            loop.markDirty();
        }, e -> restartLater("health", this::startHealthReader, e)), TOPIC_WAIT);
    }

    /** A reader that failed (topic missing or broker unreachable for TOPIC_WAIT) is started again: an agent never gives up on its topics. */
    private void restartLater(String which, Runnable start, Throwable e) {
        if (which.equals("desired")) desiredRead = false;
        else healthRead = false;
        LOG.error("the {} topic reader stopped ({}); starting it again in {} s", which, e.toString(), READER_RESTART.toSeconds());
        try {
            restarts.schedule(() -> {
                StateTopicReader old = which.equals("desired") ? desiredReader : healthReader;
                if (old != null) old.close();
                start.run();
            }, READER_RESTART.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // closed
        }
    }

    private void onDesired(String key, String value) {
        Optional<DesiredSnapshot> s;
        synchronized (lock) {
            s = folder.apply(key, value);
        }
        if (s.isPresent() && desiredRead) loop.markDirty();
    }

    private void onHealth(String key, String value) {
        boolean changed;
        synchronized (lock) {
            if (key.startsWith(CheckerStatus.KEY_PREFIX)) {
                changed = value != null && health.accept(Json.read(value, CheckerStatus.class));
            } else if (value == null) {
                changed = health.forget(Ipv4Address.parse(key));
            } else {
                changed = health.accept(Json.read(value, HealthVerdict.class));
            }
        }
        if (changed && healthRead) loop.markDirty();
    }

    private Optional<RunResult> runIfReady() {
        if (!desiredRead || !healthRead) return Optional.empty();
        DesiredSnapshot snap;
        io.videolb.agent.desired.HealthView view;
        synchronized (lock) {
            snap = folder.latest().orElse(null);
            view = health.view();
        }
        if (snap == null) {
            LOG.info("no complete desired generation yet: nothing to apply");
            return Optional.empty();
        }
        return Optional.of(reconciler.run(snap, view));
    }

    private void afterRun(RunResult r) {
        last.set(r);
        metrics.record(r);
        AgentStatus s = toStatus(r);
        status.publishAsync(config.topics().agentStatus(), config.director(), Json.write(s)).whenComplete((md, e) -> {
            if (e != null) LOG.warn("agent status of generation {} not published: {}", s.desiredGeneration(), e.toString());
        });
    }

    private AgentStatus toStatus(RunResult r) {
        return statusOf(config.director(), caps, metrics, r);
    }

    /**
     * The published status of a run. In plan-only mode nothing is applied: appliedGeneration stays
     * where the kernel really is (0: the agent cannot even read it), and an error line says
     * "plan-only (reason): nothing applied, N change(s) pending", so no reader takes the director
     * for one that applied a generation. steering-only: the IPVS changes it cannot make are listed.
     */
    static AgentStatus statusOf(String director, KernelCapabilities caps, Metrics metrics, RunResult r) {
        List<String> errors = new ArrayList<>(r.errors());
        if (caps.mode().equals("plan-only")) {
            errors.add("plan-only (" + caps.reason() + "): nothing applied, " + r.notApplied().size() + " change(s) pending");
        } else if (!caps.mode().equals("apply") && !r.notApplied().isEmpty()) {
            errors.add("plan-only (" + caps.reason() + "): " + r.notApplied().size() + " IPVS change(s) not applied");
        }
        DesiredKernel dk = r.desired();
        return new AgentStatus(director, caps.mode(), metrics.appliedGeneration(), r.generation(), r.atMs(), metrics.lastSuccessMs(),
                metrics.driftRepaired(), r.drift(), errors, dk == null ? List.of() : dk.pools(), dk == null ? List.of() : dk.drainStatus());
    }

    private JsonObject healthJson() {
        RunResult r = last.get();
        boolean ready = desiredRead && healthRead;
        boolean ok = ready && (r == null || r.ok());
        return new JsonObject().put("status", ok ? "UP" : "DOWN").put("mode", caps.mode()).put("reason", caps.reason())
                .put("topicsRead", ready).put("appliedGeneration", metrics.appliedGeneration()).put("pendingChanges", metrics.pending())
                .put("lastErrors", r == null ? List.of() : r.errors());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        restarts.shutdownNow();
        for (AutoCloseable c : new AutoCloseable[] {loop, desiredReader, healthReader, status, http}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                LOG.debug("close: {}", e.toString());
            }
        }
    }

    // ---- CLI: videolb plan / videolb cleanup ------------------------------------------------------

    /** Prints the kernel changes (and payloads) the agent would make now; applies nothing. Exit 0: in sync, 2: changes pending, 1: error. */
    public static int plan(AgentSettings config, PrintStream out) {
        return plan(config, out, Duration.ofSeconds(30));
    }

    /** {@link #plan(AgentSettings, PrintStream)} waiting up to {@code wait} for the topics to be read (slow machines, big topics). */
    public static int plan(AgentSettings config, PrintStream out, Duration wait) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        DesiredStateFolder folder = new DesiredStateFolder();
        HealthBook health = new HealthBook();
        KafkaSettings kafka = config.kafka().settings("videolb-plan-" + config.director());
        BiConsumer<String, String> onHealth = (k, v) -> {
            if (v != null && !k.startsWith(CheckerStatus.KEY_PREFIX)) health.accept(Json.read(v, HealthVerdict.class));
        };
        try (StateTopicReader d = StateTopicReader.start(kafka, List.of(config.topics().desired()), Records.listener(folder::apply, () -> {}, e -> {}), wait);
             StateTopicReader h = StateTopicReader.start(kafka, List.of(config.topics().health()), Records.listener(onHealth, () -> {}, e -> {}), wait)) {
            long deadline = System.nanoTime() + wait.toNanos();
            if (!d.awaitCaughtUp(wait) || !h.awaitCaughtUp(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                out.println("error: could not read the desired and health topics from " + config.kafka().bootstrapServers() + " within " + wait.toSeconds() + " s");
                return 1;
            }
            DesiredSnapshot snap = folder.latest().orElse(null);
            if (snap == null) {
                out.println("no desired state has been published yet");
                return 1;
            }
            KernelCapabilities caps = kernel.detect(config.procRoot());
            KernelState observed = kernel.read(caps);
            Ownership own = new Ownership(config.ownershipFile());
            DesiredKernel dk = DesiredKernel.compute(snap.state(), health.view(), observed, Map.of(), System.currentTimeMillis(), config.policy(), config.names());
            Plan plan = Planner.plan(dk.state(), observed, own.marks());
            out.println("# generation " + snap.generation() + ", kernel mode " + caps.mode() + (caps.reason().isEmpty() ? "" : " (" + caps.reason() + ")"));
            print(plan, config, out);
            return plan.isEmpty() ? 0 : 2;
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
    }

    /** Removes only what videolb owns: the jump, our chain, our sets, our fwmark services. Exit 0 on success. */
    public static int cleanup(AgentSettings config, PrintStream out) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        try {
            KernelCapabilities caps = kernel.detect(config.procRoot());
            Ownership own = new Ownership(config.ownershipFile());
            Plan plan = Planner.cleanup(kernel.read(caps), own.marks());
            print(plan, config, out);
            for (Step s : new Renderer(config.names()).render(plan)) kernel.run(s);
            if (caps.ipvs()) own.retainOnly(java.util.Set.of());
            out.println(plan.isEmpty() ? "nothing of videolb's was in the kernel" : "removed " + plan.changes().size() + " object(s)");
            return 0;
        } catch (Exception e) {
            out.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static void print(Plan plan, AgentSettings config, PrintStream out) {
        if (plan.isEmpty()) {
            out.println("# the kernel matches: no change");
            return;
        }
        for (String d : plan.describe()) out.println("# " + d);
        for (Step s : new Renderer(config.names()).render(plan)) {
            out.println(switch (s.tool()) {
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
