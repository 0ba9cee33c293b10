package io.videolb.agent.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.events.AgentStatus.HealthFreshness;
import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the freshness of the health topic as time passes (staleness is the absence of records, so no
 * record can announce it): every {@code every} it asks the agent to re-evaluate its health book
 * ({@link Check}), logs each change between fresh and stale once (WARN when it turns stale, INFO when it is
 * fresh again), keeps the latest {@link HealthFreshness} for the agent's status and serves it on
 * {@code /metrics} ({@code videolb_agent_health_stale}, {@code videolb_agent_health_refresh_age_seconds},
 * {@code videolb_agent_health_stale_after_seconds}). When the re-evaluation changed the view the agent
 * acts on (a degraded checker's status expired), or the health turned stale or fresh, {@code onChange}
 * asks for a reconcile run: it applies the change (none for a mere staleness: the view is held) and
 * publishes the agent's status with the new freshness at once.
 */
public final class HealthWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthWatch.class);

    /** One re-evaluation: whether the effective view changed, and the freshness now. */
    public record Check(boolean viewChanged, HealthFreshness freshness) {}

    private final Supplier<Check> check;
    private final Runnable onChange;
    private final ScheduledExecutorService timer;
    private volatile HealthFreshness latest;
    private boolean stale; // on the timer thread only

    public HealthWatch(Supplier<Check> check, Runnable onChange, MeterRegistry registry) {
        this.check = Objects.requireNonNull(check, "check");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        this.timer = Executors.newSingleThreadScheduledExecutor(NamedThreads.factory("agent-health-watch"));
        Gauge.builder("videolb.agent.health.stale", this, w -> w.latest != null && w.latest.stale() ? 1 : 0)
                .description("1 while the health topic is stale (no live checker, or a partition without one):"
                        + " the agent holds its current verdicts")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        "videolb.agent.health.refresh.age.seconds",
                        this,
                        w -> w.latest == null || w.latest.newestRefreshAgeMs() < 0
                                ? Double.NaN
                                : w.latest.newestRefreshAgeMs() / 1000.0)
                .description("Age of the newest health record (checker heartbeat or verdict)")
                .strongReference(true)
                .register(registry);
        Gauge.builder(
                        "videolb.agent.health.stale.after.seconds",
                        this,
                        w -> w.latest == null ? Double.NaN : w.latest.staleAfterMs() / 1000.0)
                .description("The freshness bound (VIDEOLB_HEALTH_STALE_MS)")
                .strongReference(true)
                .register(registry);
    }

    /** Starts checking every {@code every}. */
    public HealthWatch start(Duration every) {
        long ms = Math.max(10, every.toMillis());
        timer.scheduleWithFixedDelay(this::checkNow, ms, ms, TimeUnit.MILLISECONDS);
        return this;
    }

    /** One check now (the timer calls this; tests may too). */
    public void checkNow() {
        try {
            Check c = check.get();
            if (c == null) return;
            HealthFreshness f = c.freshness();
            latest = f;
            if (f.stale() && !stale) {
                LOG.warn(
                        "health stale: {}; the agent keeps the kernel as it is (no server failed or restored for it)",
                        f.reason());
            } else if (!f.stale() && stale) {
                LOG.info(
                        "health fresh again (newest refresh {} ms ago): verdicts take effect as they come",
                        f.newestRefreshAgeMs());
            }
            boolean flipped = f.stale() != stale;
            stale = f.stale();
            if (c.viewChanged())
                LOG.info("health view changed as time passed (a degraded checker's status expired): reconciling");
            if (c.viewChanged() || flipped) onChange.run(); // a run publishes the status with the new freshness
        } catch (RuntimeException e) {
            LOG.warn("health freshness check failed: {}", e.toString());
        }
    }

    /** The freshness at the last check, or null before the first. */
    public HealthFreshness latest() {
        return latest;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
