package io.videolb.health;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.health.inventory.DrainHandover;
import io.videolb.model.Ipv4Address;

/**
 * The drain handover's series (issue 16, decision 109): {@code videolb_health_drain_handover_total{result}} (one per
 * drain record acted on: {@code ok} every drop went through, {@code failed} some drop failed or no inventory was
 * known; or not acted on: {@code late}, its deadline long past when first seen) and
 * {@code videolb_health_drain_handover_subscribers_dropped_total}. Registered at start, at 0 while no handover has
 * happened (also where no control URL is set), so a dashboard and an alert on {@code result="failed"} work from the
 * first scrape. Which server: the log line and {@code /health}'s {@code drainHandovers}, not a label (a per-server
 * counter would stay for the life of the process).
 */
final class HandoverCounters implements DrainHandover.Listener {
    private final Counter ok;
    private final Counter failed;
    private final Counter late;
    private final Counter dropped;

    HandoverCounters(MeterRegistry registry) {
        ok = handovers(registry, "ok");
        failed = handovers(registry, "failed");
        late = handovers(registry, "late");
        dropped = Counter.builder("videolb.health.drain.handover.subscribers.dropped")
                .description("Subscribers dropped through the servers' control endpoints at drain deadlines")
                .register(registry);
    }

    private static Counter handovers(MeterRegistry registry, String result) {
        return Counter.builder("videolb.health.drain.handover")
                .description("Drain deadlines handed over (ok: every drop went through; failed: a drop failed or no"
                        + " inventory was known; late: the deadline was long past when first seen, not acted on)")
                .tag("result", result)
                .register(registry);
    }

    @Override
    public void finished(DrainHandover.Outcome o) {
        (o.ok() ? ok : failed).increment();
        dropped.increment(o.dropped());
    }

    @Override
    public void late(Ipv4Address server, long deadlineAtMs) {
        late.increment();
    }
}
