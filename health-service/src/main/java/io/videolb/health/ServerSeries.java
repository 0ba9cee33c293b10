package io.videolb.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-server series of the servers this checker probes: {@code videolb_health_server_verdict{server,verdict}} (a state
 * set: 1 for the committed verdict, {@code up}, {@code down} or {@code unknown} while undecided, 0 for the others) and
 * {@code videolb_health_server_probe_seconds{server,level}} (the last probe's duration). A server this checker stops
 * probing (removed, or its partition moved to another checker) leaves with its series. Event-loop only (the probe
 * scheduler's context); the gauges read volatile fields.
 */
final class ServerSeries {
    private final MeterRegistry registry;
    private final Map<Ipv4Address, Server> servers = new HashMap<>();

    ServerSeries(MeterRegistry registry) {
        this.registry = registry;
    }

    private static final class Server {
        volatile String verdict = "unknown";
        volatile double lastProbeSeconds = Double.NaN;
        final List<Meter> meters = new ArrayList<>();
        String level;
    }

    /** One probe of {@code server} at its configured {@code level} took {@code micros}. */
    void probed(Ipv4Address server, ProbeLevel level, long micros) {
        Server s = servers.get(server);
        if (s == null) return; // not (or no longer) in the probed set; the next sync adds it
        String l = level.name().toLowerCase(Locale.ROOT);
        if (s.level == null || !s.level.equals(l)) {
            s.meters.removeIf(m -> {
                if (!m.getId().getName().equals("videolb.health.server.probe")) return false;
                registry.remove(m);
                return true;
            });
            s.level = l;
            s.meters.add(Gauge.builder("videolb.health.server.probe", s, x -> x.lastProbeSeconds)
                    .description("Duration of the last probe of this server at its configured level")
                    .baseUnit("seconds")
                    .tag("server", server.toString())
                    .tag("level", l)
                    .strongReference(true)
                    .register(registry));
        }
        s.lastProbeSeconds = micros / 1e6;
    }

    /** The committed verdicts of the probed servers (null: not decided yet); servers absent here lose their series. */
    void sync(Map<Ipv4Address, Verdict> verdicts) {
        for (var it = servers.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!verdicts.containsKey(e.getKey())) {
                e.getValue().meters.forEach(registry::remove);
                it.remove();
            }
        }
        verdicts.forEach((a, v) -> {
            Server s = servers.computeIfAbsent(a, x -> register(x, new Server()));
            s.verdict = v == null ? "unknown" : v.name().toLowerCase(Locale.ROOT);
        });
    }

    private Server register(Ipv4Address a, Server s) {
        for (String v : new String[] {"up", "down", "unknown"}) {
            s.meters.add(Gauge.builder("videolb.health.server.verdict", s, x -> x.verdict.equals(v) ? 1 : 0)
                    .description("The committed verdict of this server (a state set: 1 for the current verdict)")
                    .tag("server", a.toString())
                    .tag("verdict", v)
                    .strongReference(true)
                    .register(registry));
        }
        return s;
    }
}
