package io.videolb.agent.director;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The director's series on {@code /metrics}: VRRP state, takeovers, keepalived restarts and reloads. */
public final class DirectorMetrics {
    private DirectorMetrics() {}

    public static void bind(MeterRegistry registry, Director d) {
        Gauge.builder("videolb.agent.vrrp.state", d, Director::stateCode)
                .description("VRRP state keepalived last reported: 0 unknown/stopped, 1 backup, 2 master, 3 fault")
                .strongReference(true)
                .register(registry);
        FunctionCounter.builder("videolb.agent.vrrp.takeovers", d, Director::takeoversTotal)
                .description("times this director became VRRP MASTER")
                .register(registry);
        FunctionCounter.builder("videolb.agent.keepalived.restarts", d, Director::restartsTotal)
                .description("keepalived restarts after it ended unexpectedly")
                .register(registry);
        FunctionCounter.builder("videolb.agent.keepalived.reloads", d, Director::reloadsTotal)
                .description("keepalived reloads (SIGHUP) after its file changed")
                .register(registry);
    }
}
