package io.videolb.health.schedule;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.probe.HlsFreshness;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.verdict.Hysteresis;
import io.videolb.model.Ipv4Address;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the owned servers on one Vert.x context: one periodic timer per server (start spread
 * at random over the interval), never two probes of a server in flight, every probe bounded by
 * its timeout. Results go through rise/fall/dwell; a transition is published at once, every
 * verdict again every refresh interval.
 *
 * <p>Self-check: when a server is about to go down while more than {@code massShare} of all
 * owned servers failed their last probe, the known-good target is probed first. If it fails too,
 * the checker is degraded: "down" transitions are held (not published) and a
 * {@link CheckerStatus} with {@code degraded=true} is published instead; the known-good target
 * is re-probed every interval until it answers again.
 *
 * <p>Heartbeat ({@link #startHeartbeat}): the checker's own status ({@code checker/ID}, degraded or not,
 * with the partitions it probes) is republished every heartbeat, so that readers know it is alive and
 * which partitions have a live checker; {@link #close()} tombstones it (a clean stop).
 *
 * <p>All methods must be called on the scheduler's context ({@link #run}).
 */
public final class ProbeScheduler {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeScheduler.class);

    /** Per-probe observer (metrics). */
    public interface Observer {
        void probed(Target t, ProbeResult r);

        void transition(Target t, HealthVerdict v);

        /** A failed probe whose result came {@code lateMs} after its deadline: the checker was late, not counted. */
        default void inconclusive(Target t, ProbeResult r, long lateMs) {}

        Observer NONE = new Observer() {
            @Override
            public void probed(Target t, ProbeResult r) {}

            @Override
            public void transition(Target t, HealthVerdict v) {}
        };
    }

    /**
     * How far past its timeout a failed probe may complete and still count. Every step of a probe runs
     * in parallel under one timer of {@code timeout}, so on an event loop that runs on time a failure
     * completes within a few milliseconds of the timeout. A failure that completes later than this
     * margin says the checker itself was starved (CPU, a long GC, class loading at start): its timer
     * fired late, and an answer may have been waiting unread. Such a result is inconclusive and never
     * counts toward "down".
     */
    static long lateMarginMs(long timeoutMs) {
        return Math.max(100, timeoutMs / 10);
    }

    /** Milliseconds by which failed result {@code r} of a probe with {@code timeout} is late; 0 when it counts. */
    static long lateBy(ProbeResult r, Duration timeout) {
        if (r.ok()) return 0; // an answer is an answer, however late the checker read it
        long lateMs = r.latencyMicros() / 1000 - timeout.toMillis();
        return lateMs > lateMarginMs(timeout.toMillis()) ? lateMs : 0;
    }

    private final Vertx vertx;
    private final Context context;
    private final Prober prober;
    private final VerdictSink sink;
    private final SequenceClock sequences;
    private final String checkerId;
    private final double massShare;
    private final Target knownGood;
    private final Observer observer;
    private final Map<Ipv4Address, Server> servers = new HashMap<>();
    private long refreshTimer = -1;
    private boolean degraded;
    private long selfCheckAtMs;
    private boolean selfCheckRunning;
    private long degradedTimer = -1;
    private long heartbeatTimer = -1;
    private long retryDelayMs;
    private LagWatch lag;
    private long lagTimer = -1;
    private long lagTickNanos;
    private List<Integer> partitions = List.of();
    private int partitionCount;
    private boolean closed;

    public ProbeScheduler(
            Vertx vertx,
            Context context,
            Prober prober,
            VerdictSink sink,
            SequenceClock sequences,
            String checkerId,
            double massShare,
            Target knownGood,
            long refreshMs,
            Observer observer) {
        if (!(massShare > 0 && massShare <= 1))
            throw new IllegalArgumentException("massShare must be in (0,1], got " + massShare);
        this.vertx = vertx;
        this.context = context;
        this.prober = prober;
        this.sink = sink;
        this.sequences = sequences;
        this.checkerId = checkerId;
        this.massShare = massShare;
        this.knownGood = knownGood;
        this.observer = observer;
        context.runOnContext(v -> refreshTimer = vertx.setPeriodic(refreshMs, refreshMs, id -> refreshAll()));
    }

    /** Runs {@code action} on the scheduler's context. */
    public void run(Consumer<ProbeScheduler> action) {
        context.runOnContext(v -> action.accept(this));
    }

    /**
     * Makes {@code targets} the set of probed servers: new ones start (seeded with their last
     * published verdict, if any), removed ones stop, changed settings restart their timer.
     */
    public void setTargets(Map<Ipv4Address, Target> targets, Map<Ipv4Address, HealthVerdict> lastPublished) {
        if (closed) return;
        servers.entrySet().removeIf(e -> {
            Target t = targets.get(e.getKey());
            if (t != null && t.equals(e.getValue().target)) return false;
            e.getValue().stop();
            LOG.info("stop probing {}", e.getKey());
            return true;
        });
        long now = System.currentTimeMillis();
        targets.forEach((addr, t) -> {
            if (servers.containsKey(addr)) return;
            Server s = new Server(t);
            HealthVerdict last = lastPublished.get(addr);
            if (last != null) {
                s.hysteresis.seed(last.verdict(), now);
                s.published = last;
                s.verdictReason = last.reason(); // a held note in it is dropped where it is used
            }
            servers.put(addr, s);
            s.start();
        });
        LOG.info("probing {} servers", servers.size());
    }

    public int size() {
        return servers.size();
    }

    /** The partitions of the health topic this checker probes now (of {@code count}), for its heartbeat. */
    public void setPartitions(Set<Integer> owned, int count) {
        partitions = owned.stream().sorted().toList();
        partitionCount = count;
        if (heartbeatTimer >= 0) heartbeat(); // readers learn the new coverage now, not a heartbeat later
    }

    /** After a counted failure, probe again after {@code ms} instead of a whole interval ({@link FastRetry}); 0: off. */
    public void setRetryDelay(long ms) {
        if (ms < 0) throw new IllegalArgumentException("retry delay must be >= 0, got " + ms);
        retryDelayMs = ms;
    }

    /**
     * Samples this context's own lag every {@code sampleMs} (how late a timer fires) into {@code watch}; a
     * sustained lag makes the checker report itself degraded ({@link LagWatch}).
     */
    public void startLagWatch(long sampleMs, LagWatch watch) {
        if (closed || lagTimer >= 0) return;
        lag = watch;
        lagSample(sampleMs, watch);
    }

    /**
     * One-shot timers chained, each measuring how late it fired: a periodic timer would fire its missed runs
     * back to back after a stall, and those would look on time.
     */
    private void lagSample(long sampleMs, LagWatch watch) {
        if (closed) return;
        lagTickNanos = System.nanoTime();
        lagTimer = vertx.setTimer(sampleMs, id -> {
            long lateMs = Math.max(0, (System.nanoTime() - lagTickNanos) / 1_000_000 - sampleMs);
            if (watch.observe(lateMs, System.currentTimeMillis())) {
                if (watch.degraded())
                    LOG.warn(
                            "checker degraded: its own loop ran more than {} ms late for {} ms (worst {} ms):"
                                    + " its failed probes are suspect",
                            watch.thresholdMs(),
                            watch.sustainMs(),
                            watch.worstMs());
                else LOG.info("checker no longer late: its loop ran on time for {} ms", watch.sustainMs());
                publishStatus();
            }
            lagSample(sampleMs, watch);
        });
    }

    /** Degraded because its own loop has been running late for a sustained time. */
    public boolean lagDegraded() {
        return lag != null && lag.degraded();
    }

    private String statusReason() {
        if (lagDegraded())
            return "checker loop more than " + lag.thresholdMs() + " ms late for " + lag.sustainMs() + " ms (worst "
                    + lag.worstMs() + " ms)" + (degraded ? "; " + degradedReason : "");
        return degraded ? degradedReason : "";
    }

    private void publishStatus() {
        if (heartbeatTimer >= 0) heartbeat();
        else
            sink.checker(new CheckerStatus(
                    checkerId,
                    degraded || lagDegraded(),
                    statusReason(),
                    sequences.next(CheckerStatus.KEY_PREFIX + checkerId),
                    System.currentTimeMillis(),
                    partitions,
                    partitionCount));
    }

    /** Publishes this checker's status now and every {@code heartbeatMs} (on the scheduler's context). */
    public void startHeartbeat(long heartbeatMs) {
        if (closed || heartbeatTimer >= 0) return;
        heartbeat();
        heartbeatTimer = vertx.setPeriodic(heartbeatMs, id -> heartbeat());
    }

    private void heartbeat() {
        if (closed) return;
        sink.checker(new CheckerStatus(
                checkerId,
                degraded || lagDegraded(),
                statusReason(),
                sequences.next(CheckerStatus.KEY_PREFIX + checkerId),
                System.currentTimeMillis(),
                partitions,
                partitionCount));
    }

    /** Degraded: the self-check failed during a mass failure, or the checker's own loop is late ({@link #lagDegraded}). */
    public boolean degraded() {
        return degraded || lagDegraded();
    }

    /** Committed verdicts by server (null while unknown). */
    public Map<Ipv4Address, Verdict> verdicts() {
        Map<Ipv4Address, Verdict> out = new HashMap<>();
        servers.forEach((a, s) -> out.put(a, s.hysteresis.state()));
        return out;
    }

    public void close() {
        closed = true;
        servers.values().forEach(Server::stop);
        servers.clear();
        if (refreshTimer >= 0) vertx.cancelTimer(refreshTimer);
        if (degradedTimer >= 0) vertx.cancelTimer(degradedTimer);
        if (lagTimer >= 0) vertx.cancelTimer(lagTimer);
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
            sink.checkerGone(checkerId); // a clean stop: readers forget this checker (and any degraded status)
        }
    }

    private void refreshAll() {
        for (Server s : servers.values()) {
            if (s.published != null)
                publish(
                        s,
                        s.published.verdict(),
                        republishedReason(s.published.verdict(), s.verdictReason, s.lastResult),
                        s.lastResult);
        }
        if (degraded && heartbeatTimer < 0) // with a heartbeat the status goes out every heartbeat anyway
        sink.checker(new CheckerStatus(
                checkerId,
                true,
                degradedReason,
                sequences.next(CheckerStatus.KEY_PREFIX + checkerId),
                System.currentTimeMillis()));
    }

    private String degradedReason = "";
    private volatile long inconclusive; // written on the scheduler context only

    /** Failed probes not counted because they completed late (the checker was starved). */
    public long inconclusiveCount() {
        return inconclusive;
    }

    /** Passes each probe result through a check of the server's streams before it counts (issue 16). */
    public interface StreamCheck {
        ProbeResult apply(Ipv4Address server, ProbeResult r);

        StreamCheck NONE = (server, r) -> r;
    }

    private StreamCheck streamCheck = StreamCheck.NONE;

    /** Sets the stream check (on the scheduler's context): a required stream not publishing fails the probe. */
    public void setStreamCheck(StreamCheck check) {
        streamCheck = check == null ? StreamCheck.NONE : check;
    }

    private void onResult(Server s, ProbeResult probed) {
        if (closed || servers.get(s.target.server()) != s) return;
        ProbeResult r = streamCheck.apply(s.target.server(), probed);
        observer.probed(s.target, r);
        long late = lateBy(r, s.target.settings().timeout());
        if (late > 0) {
            inconclusive++;
            observer.inconclusive(s.target, r, late);
            LOG.warn(
                    "{}: probe result not counted: it failed {} ms after its {} ms timeout, so the checker was late"
                            + " (starved), not necessarily the server ({})",
                    s.target.server(),
                    late,
                    s.target.settings().timeout().toMillis(),
                    r.reason());
            return;
        }
        s.lastResult = r;
        if (s.published != null && agrees(s.published.verdict(), r)) s.verdictReason = r.reason();
        long now = System.currentTimeMillis();
        Verdict proposal = s.hysteresis.observe(r.ok(), now);
        long retry = FastRetry.delayMs(
                !r.ok(),
                s.hysteresis.state(),
                s.hysteresis.consecutiveFailures(),
                s.target.settings().fall(),
                retryDelayMs);
        if (retry >= 0) s.retryIn(retry);
        if (proposal == null) return;
        if (proposal == Verdict.DOWN && massFailure()) {
            if (knownGood == null) {
                LOG.warn(
                        "{} of {} servers failing and no known-good target configured: publishing down",
                        failing(),
                        servers.size());
            } else if (degraded) {
                return; // hold: the checker is suspect
            } else if (now - selfCheckAtMs > s.target.settings().interval().toMillis()) {
                selfCheck();
                return; // hold until the self-check has answered; proposed again on the next probe
            }
        }
        s.hysteresis.commit(proposal, now);
        s.verdictReason = r.reason();
        HealthVerdict v = publish(s, proposal, r.reason(), r);
        observer.transition(s.target, v);
        LOG.info(
                "{} is {} ({} level: {}, {} us)",
                s.target.server(),
                proposal,
                r.level(),
                r.reason(),
                r.latencyMicros());
    }

    private static final String HELD = "[held ";

    /**
     * The reason a republished verdict carries. While the probes agree with the verdict it is the latest probe's; while
     * rise, fall or the minimum dwell still hold a verdict the probes no longer support (a DOWN server answering again,
     * an UP one failing), it stays the reason the verdict stands for and names the latest probe after it: a DOWN verdict
     * never reads "ok" alone (an alert mail composed then showed "reason: ok" for a stale server).
     *
     * @param verdictReason the latest reason that agreed with the verdict (a held note in it is dropped)
     */
    static String republishedReason(Verdict verdict, String verdictReason, ProbeResult latest) {
        String cause = causeOf(verdictReason);
        if (latest == null) return cause;
        if (agrees(verdict, latest)) return latest.reason();
        return (cause.isEmpty() ? "" : cause + " ") + HELD + verdict
                + " until rise/fall and the minimum dwell allow a change; latest probe: " + latest.reason() + "]";
    }

    /** Whether a probe result supports the verdict (an answer an UP one, a failure a DOWN one). */
    private static boolean agrees(Verdict verdict, ProbeResult r) {
        return r.ok() == (verdict == Verdict.UP);
    }

    /** A reason without the held note {@link #republishedReason} adds (a seeded verdict may carry one). */
    static String causeOf(String reason) {
        if (reason == null) return "";
        int held = reason.indexOf(HELD);
        return held < 0 ? reason : reason.substring(0, held).strip();
    }

    private HealthVerdict publish(Server s, Verdict verdict, String reason, ProbeResult r) {
        HealthVerdict v = new HealthVerdict(
                s.target.server(),
                verdict,
                r == null ? s.target.settings().level() : r.level(),
                reason,
                r == null ? 0 : r.latencyMicros(),
                checkerId,
                sequences.next(s.target.server()),
                System.currentTimeMillis());
        s.published = v;
        sink.verdict(v);
        return v;
    }

    private int failing() {
        int n = 0;
        for (Server s : servers.values()) if (s.lastResult != null && !s.lastResult.ok()) n++;
        return n;
    }

    private boolean massFailure() {
        return servers.size() > 0 && failing() > massShare * servers.size();
    }

    private void selfCheck() {
        if (selfCheckRunning || closed) return;
        selfCheckRunning = true;
        prober.probe(knownGood.endpoint(), knownGood.settings(), new HlsFreshness())
                .onComplete(ar -> {
                    selfCheckRunning = false;
                    selfCheckAtMs = System.currentTimeMillis();
                    ProbeResult r = ar.result();
                    boolean ok = r != null && r.ok();
                    if (!ok && !degraded) {
                        degraded = true;
                        degradedReason = failing() + " of " + servers.size() + " servers failing and known-good "
                                + knownGood.endpoint() + " failed too: " + (r == null ? ar.cause() : r.reason());
                        LOG.warn("checker degraded: {}", degradedReason);
                        sink.checker(new CheckerStatus(
                                checkerId,
                                true,
                                degradedReason,
                                sequences.next(CheckerStatus.KEY_PREFIX + checkerId),
                                selfCheckAtMs,
                                partitions,
                                partitionCount));
                        long every = knownGood.settings().interval().toMillis();
                        degradedTimer = vertx.setPeriodic(every, id -> selfCheck());
                    } else if (ok && degraded) {
                        degraded = false;
                        vertx.cancelTimer(degradedTimer);
                        degradedTimer = -1;
                        LOG.info("checker recovered: known-good {} answers", knownGood.endpoint());
                        sink.checker(new CheckerStatus(
                                checkerId,
                                lagDegraded(),
                                lagDegraded() ? statusReason() : "known-good target answers",
                                sequences.next(CheckerStatus.KEY_PREFIX + checkerId),
                                selfCheckAtMs,
                                partitions,
                                partitionCount));
                    }
                });
    }

    private final class Server {
        final Target target;
        final Hysteresis hysteresis;
        final HlsFreshness freshness = new HlsFreshness();
        long timer = -1;
        long retryTimer = -1;
        boolean inFlight;
        boolean stopped;
        ProbeResult lastResult;
        HealthVerdict published;
        /** The latest probe reason that agreed with the published verdict: what a held verdict stands for. */
        String verdictReason = "";

        Server(Target t) {
            this.target = t;
            ProbeSettings st = t.settings();
            this.hysteresis = new Hysteresis(st.rise(), st.fall(), st.minDwell().toMillis());
        }

        void start() {
            long interval = target.settings().interval().toMillis();
            long initial = 1 + ThreadLocalRandom.current().nextLong(interval);
            timer = vertx.setPeriodic(initial, interval, id -> tick());
        }

        void tick() {
            if (inFlight || stopped) return; // a slow probe never overlaps the next one
            inFlight = true;
            Endpoint ep = target.endpoint();
            prober.probe(ep, target.settings(), freshness).onComplete(ar -> {
                inFlight = false;
                if (stopped) return;
                ProbeResult r = ar.succeeded()
                        ? ar.result()
                        : ProbeResult.fail(target.settings().level(), "probe error: " + ar.cause(), 0);
                onResult(this, r);
            });
        }

        /** One extra probe after {@code delayMs} (at most one pending; a probe in flight then is not doubled). */
        void retryIn(long delayMs) {
            if (stopped || retryTimer >= 0) return;
            retryTimer = vertx.setTimer(Math.max(1, delayMs), id -> {
                retryTimer = -1;
                tick();
            });
        }

        void stop() {
            stopped = true;
            if (timer >= 0) vertx.cancelTimer(timer);
            if (retryTimer >= 0) vertx.cancelTimer(retryTimer);
        }
    }
}
