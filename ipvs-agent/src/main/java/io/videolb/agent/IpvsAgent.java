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
import io.videolb.agent.kafka.StatusPublisher;
import io.videolb.agent.kafka.TopicFollower;
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
import io.videolb.model.Ipv4Address;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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

    private final Config config;
    private final Kernel kernel;
    private final DesiredStateFolder folder = new DesiredStateFolder();
    private final HealthBook health = new HealthBook();
    private final Object lock = new Object();
    private final AtomicReference<RunResult> last = new AtomicReference<>();
    private KernelCapabilities caps;
    private Reconciler reconciler;
    private Metrics metrics;
    private ReconcileLoop loop;
    private TopicFollower desiredFollower;
    private TopicFollower healthFollower;
    private StatusPublisher status;
    private AgentHttp http;
    private boolean closed;

    public IpvsAgent(Config config) {
        this(config, new Kernel(new ProcessCommandRunner(), config.tools(), config.names()));
    }

    /** With a given kernel port (tests: a fake kernel or a kernel inside a namespace). */
    public IpvsAgent(Config config, Kernel kernel) {
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
        loop = new ReconcileLoop(this::runIfReady, this::afterRun, () -> reconciler.draining(), config.minInterval(), config.resync(), config.drainPoll());
        status = new StatusPublisher(config.bootstrap(), config.topics().agentStatus(), "ipvs-agent-status-" + config.director());
        desiredFollower = new TopicFollower(config.bootstrap(), config.topics().desired(), "ipvs-agent-desired-" + config.director(),
                this::onDesired, loop::markDirty);
        healthFollower = new TopicFollower(config.bootstrap(), config.topics().health(), "ipvs-agent-health-" + config.director(),
                this::onHealth, loop::markDirty);
        if (config.httpPort() >= 0) http = new AgentHttp(config.httpHost(), config.httpPort(), metrics, this::healthJson);
        loop.start();
        desiredFollower.start();
        healthFollower.start();
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

    private void onDesired(String key, String value) {
        Optional<DesiredSnapshot> s;
        synchronized (lock) {
            s = folder.apply(key, value);
        }
        if (s.isPresent() && desiredFollower.caughtUp()) loop.markDirty();
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
        if (changed && healthFollower.caughtUp()) loop.markDirty();
    }

    private Optional<RunResult> runIfReady() {
        if (!desiredFollower.caughtUp() || !healthFollower.caughtUp()) return Optional.empty();
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
        status.publish(toStatus(r));
    }

    private AgentStatus toStatus(RunResult r) {
        List<String> errors = new ArrayList<>(r.errors());
        if (!caps.mode().equals("apply") && !r.notApplied().isEmpty()) {
            errors.add("plan-only (" + caps.reason() + "): " + r.notApplied().size() + " change(s) not applied");
        }
        DesiredKernel dk = r.desired();
        return new AgentStatus(config.director(), caps.mode(), metrics.appliedGeneration(), r.generation(), r.atMs(), metrics.lastSuccessMs(),
                metrics.driftRepaired(), r.drift(), errors, dk == null ? List.of() : dk.pools(), dk == null ? List.of() : dk.drainStatus());
    }

    private JsonObject healthJson() {
        RunResult r = last.get();
        boolean ready = desiredFollower.caughtUp() && healthFollower.caughtUp();
        boolean ok = ready && (r == null || r.ok());
        return new JsonObject().put("status", ok ? "UP" : "DOWN").put("mode", caps.mode()).put("reason", caps.reason())
                .put("topicsRead", ready).put("appliedGeneration", metrics.appliedGeneration())
                .put("lastErrors", r == null ? List.of() : r.errors());
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        for (AutoCloseable c : new AutoCloseable[] {loop, desiredFollower, healthFollower, status, http}) {
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
    public static int plan(Config config, PrintStream out) {
        return plan(config, out, Duration.ofSeconds(30));
    }

    /** {@link #plan(Config, PrintStream)} waiting up to {@code wait} for the topics to be read (slow machines, big topics). */
    public static int plan(Config config, PrintStream out, Duration wait) {
        Kernel kernel = new Kernel(new ProcessCommandRunner(), config.tools(), config.names());
        DesiredStateFolder folder = new DesiredStateFolder();
        HealthBook health = new HealthBook();
        try (TopicFollower d = new TopicFollower(config.bootstrap(), config.topics().desired(), "videolb-plan", folder::apply, () -> {}).start();
             TopicFollower h = new TopicFollower(config.bootstrap(), config.topics().health(), "videolb-plan-health", (k, v) -> {
                 if (v != null && !k.startsWith(CheckerStatus.KEY_PREFIX)) health.accept(Json.read(v, HealthVerdict.class));
             }, () -> {}).start()) {
            long deadline = System.nanoTime() + wait.toNanos();
            if (!d.awaitCaughtUp(wait) || !h.awaitCaughtUp(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                out.println("error: could not read the desired and health topics from " + config.bootstrap() + " within " + wait.toSeconds() + " s");
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
    public static int cleanup(Config config, PrintStream out) {
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

    private static void print(Plan plan, Config config, PrintStream out) {
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
