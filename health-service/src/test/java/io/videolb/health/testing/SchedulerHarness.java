package io.videolb.health.testing;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Verdict;
import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.health.probe.HlsFreshness;
import io.videolb.health.probe.ProbeResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.ProbeScheduler;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.health.schedule.Target;
import io.videolb.health.schedule.VerdictSink;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real scheduler + prober on one Vert.x context, publishing into lists. */
public final class SchedulerHarness implements AutoCloseable, VerdictSink {
    public final List<HealthVerdict> verdicts = new CopyOnWriteArrayList<>();
    public final List<CheckerStatus> checkers = new CopyOnWriteArrayList<>();
    /** Checker ids whose status was tombstoned (a clean stop). */
    public final List<String> gone = new CopyOnWriteArrayList<>();

    public final ProbeScheduler scheduler;
    private final Prober prober;
    private final Map<Ipv4Address, Target> targets = new HashMap<>();

    public SchedulerHarness(Vertx vertx, Target knownGood) {
        this(vertx, knownGood, 0.5);
    }

    public SchedulerHarness(Vertx vertx, Target knownGood, double massShare) {
        this(vertx, knownGood, massShare, 600_000);
    }

    /** With every verdict republished each {@code refreshMs} (the service's VIDEOLB_HEALTH_REFRESH_MS). */
    public SchedulerHarness(Vertx vertx, Target knownGood, double massShare, long refreshMs) {
        Context ctx = vertx.getOrCreateContext();
        prober = new Prober(vertx, Prober.StepRecorder.NONE);
        scheduler = new ProbeScheduler(
                vertx,
                ctx,
                prober,
                this,
                SequenceClock.system(),
                "test-checker",
                massShare,
                knownGood,
                refreshMs,
                ProbeScheduler.Observer.NONE);
    }

    /**
     * A {@link Prober} made on {@code ctx} (its clients belong to that context, as in the service), waited for at most
     * 10 s; the caller closes it on that context.
     */
    public static Prober proberOn(Vertx vertx, Context ctx) throws java.util.concurrent.TimeoutException {
        Promise<Prober> made = Promise.promise();
        ctx.runOnContext(v -> made.complete(new Prober(vertx, Prober.StepRecorder.NONE)));
        return made.future().await(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    public static ProbeResult probeOnce(Vertx vertx, Endpoint ep, ProbeSettings s) {
        Promise<ProbeResult> p = Promise.promise();
        Context ctx = vertx.getOrCreateContext();
        ctx.runOnContext(v -> {
            Prober pr = new Prober(vertx, Prober.StepRecorder.NONE);
            pr.probe(ep, s, new HlsFreshness()).onComplete(ar -> {
                pr.close();
                p.handle(ar);
            });
        });
        return p.future().await();
    }

    public synchronized void probe(Ipv4Address server, Endpoint ep, ProbeSettings s) {
        targets.put(server, new Target(server, ep, s));
        Map<Ipv4Address, Target> copy = new HashMap<>(targets);
        scheduler.run(sch -> sch.setTargets(copy, Map.of()));
    }

    /** Waits (bounded) for a verdict {@code v} on {@code server} published after this call. */
    public HealthVerdict awaitVerdict(Ipv4Address server, Verdict v, long timeoutMs) throws InterruptedException {
        int from = verdicts.size();
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            for (int i = from; i < verdicts.size(); i++) {
                HealthVerdict h = verdicts.get(i);
                if (h.server().equals(server) && h.verdict() == v) return h;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(
                "no " + v + " verdict on " + server + " within " + timeoutMs + " ms; published: " + verdicts);
    }

    /** Waits (bounded) until the newest verdict on {@code server}, whenever published, is {@code v}. */
    public void awaitCurrent(Ipv4Address server, Verdict v, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            List<HealthVerdict> mine = verdictsOf(server);
            if (!mine.isEmpty() && mine.get(mine.size() - 1).verdict() == v) return;
            Thread.sleep(20);
        }
        throw new AssertionError(
                "verdict on " + server + " is not " + v + " after " + timeoutMs + " ms: " + verdictsOf(server));
    }

    public List<HealthVerdict> verdictsOf(Ipv4Address server) {
        List<HealthVerdict> out = new ArrayList<>();
        for (HealthVerdict h : verdicts) if (h.server().equals(server)) out.add(h);
        return out;
    }

    @Override
    public void verdict(HealthVerdict v) {
        verdicts.add(v);
    }

    @Override
    public void checker(CheckerStatus s) {
        checkers.add(s);
    }

    @Override
    public void checkerGone(String checkerId) {
        gone.add(checkerId);
    }

    @Override
    public void close() {
        Promise<Void> done = Promise.promise();
        scheduler.run(s -> {
            s.close();
            prober.close();
            done.complete();
        });
        done.future().await();
    }
}
