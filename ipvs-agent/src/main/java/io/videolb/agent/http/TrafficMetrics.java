package io.videolb.agent.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.observed.IpvsTraffic;
import io.videolb.agent.observed.IpvsTraffic.Backend;
import io.videolb.agent.observed.IpvsTraffic.BackendKey;
import io.videolb.agent.observed.IpvsTraffic.Counters;
import io.videolb.model.Fwmark;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's per-server traffic on the agent's {@code /metrics}, read when scraped (as node_exporter's ipvs collector
 * does) through {@link Kernel#readTraffic}, at most once per {@code minAge}. Names and labels
 * are node_exporter's ({@code node_ipvs_backend_connections_active{local_address,local_port,remote_address,
 * remote_port,proto,local_mark}}, {@code local_mark} in the kernel's 8-digit hex as node_exporter prints it) with
 * videolb's {@code pool} (the decimal mark), {@code role} and {@code draining} added; the per-server totals, rates
 * and per-service series node_exporter does not have follow its pattern. Only videolb's pools are exported. A read
 * that fails keeps the last values and counts in {@code videolb_agent_traffic_reads_total{result="failed"}}.
 * docs/metrics.md lists every series.
 */
public final class TrafficMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(TrafficMetrics.class);

    /** How long one scrape may wait for the kernel (each ipvsadm call). */
    public static final Duration READ_DEADLINE = Duration.ofSeconds(5);
    /** Scrapes closer together than this share one read. */
    public static final Duration MIN_AGE = Duration.ofSeconds(1);

    private final Supplier<IpvsTraffic> reader;
    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    private final long minAgeNanos;
    private volatile TrafficLabels labels = TrafficLabels.NONE;
    private final Map<Tags, Holder<Backend>> backends = new HashMap<>();
    private final Map<Tags, Holder<Fwmark>> services = new HashMap<>();
    private final Map<Tags, List<Meter>> meters = new HashMap<>();
    private volatile IpvsTraffic last = IpvsTraffic.EMPTY;
    private final Counter readsOk;
    private final Counter readsFailed;
    private boolean kernelRegistered;
    private long lastReadNanos;
    private boolean everRead;
    private boolean lastFailed;

    /** @param reader reads the kernel (throws when it cannot); called on the scraping thread */
    public TrafficMetrics(
            Supplier<IpvsTraffic> reader, MeterRegistry registry, LongSupplier nanoTime, Duration minAge) {
        this.reader = reader;
        this.registry = registry;
        this.nanoTime = nanoTime;
        this.minAgeNanos = minAge.toNanos();
        this.readsOk = Counter.builder("videolb.agent.traffic.reads")
                .description("Reads of the kernel's IPVS traffic counters for /metrics, by result")
                .tag("result", "ok")
                .register(registry);
        this.readsFailed = Counter.builder("videolb.agent.traffic.reads")
                .description("Reads of the kernel's IPVS traffic counters for /metrics, by result")
                .tag("result", "failed")
                .register(registry);
    }

    /** The labels of the last reconcile run (which marks are pools, each server's role, the drains). */
    public void labels(TrafficLabels l) {
        labels = l;
    }

    /** Reads the kernel (unless the last read is younger than minAge) and updates the series; never throws. */
    public synchronized void refresh() {
        long now = nanoTime.getAsLong();
        if (everRead && now - lastReadNanos < minAgeNanos) return;
        lastReadNanos = now;
        everRead = true;
        IpvsTraffic t;
        try {
            t = reader.get();
        } catch (RuntimeException e) {
            readsFailed.increment();
            if (!lastFailed) LOG.warn("IPVS traffic counters not read (the last values stay): {}", e.getMessage());
            lastFailed = true;
            return;
        }
        if (lastFailed) LOG.info("IPVS traffic counters read again");
        lastFailed = false;
        readsOk.increment();
        last = t;
        update(t, labels);
    }

    private void update(IpvsTraffic t, TrafficLabels l) {
        Map<Tags, Backend> nowBackends = new HashMap<>();
        t.backends().forEach((k, b) -> {
            if (l.isPool(k.mark())) nowBackends.put(backendTags(k, l), b);
        });
        Map<Tags, Fwmark> nowServices = new HashMap<>();
        for (Fwmark m : t.serviceStats().keySet()) if (l.isPool(m)) nowServices.put(serviceTags(m), m);

        for (Tags gone : new ArrayList<>(backends.keySet())) if (!nowBackends.containsKey(gone)) remove(gone, backends);
        for (Tags gone : new ArrayList<>(services.keySet())) if (!nowServices.containsKey(gone)) remove(gone, services);
        nowBackends.forEach((tags, b) -> {
            Holder<Backend> h = backends.get(tags);
            if (h == null) {
                h = new Holder<>(b);
                backends.put(tags, h);
                meters.put(tags, registerBackend(tags, h));
            }
            h.set(b);
        });
        nowServices.forEach((tags, m) -> {
            if (!services.containsKey(tags)) {
                Holder<Fwmark> h = new Holder<>(m);
                services.put(tags, h);
                meters.put(tags, registerService(tags, m));
            }
        });
        if (!kernelRegistered && t.kernelTotals() != null) {
            registerKernel();
            kernelRegistered = true;
        }
    }

    private <T> void remove(Tags tags, Map<Tags, Holder<T>> from) {
        from.remove(tags);
        List<Meter> ms = meters.remove(tags);
        if (ms != null) for (Meter m : ms) registry.remove(m);
    }

    /** node_exporter's six backend labels, then videolb's. */
    static Tags backendTags(BackendKey k, TrafficLabels l) {
        return Tags.of(
                Tag.of("local_address", ""),
                Tag.of("local_port", "0"),
                Tag.of("remote_address", k.server().toString()),
                Tag.of("remote_port", Integer.toString(k.port())),
                Tag.of("proto", "FWM"),
                Tag.of("local_mark", hexMark(k.mark())),
                Tag.of("pool", Long.toString(k.mark().value())),
                Tag.of("role", l.role(k.mark(), k.server())),
                Tag.of("draining", Boolean.toString(l.draining(k.mark(), k.server()))));
    }

    static Tags serviceTags(Fwmark m) {
        return Tags.of(
                Tag.of("local_address", ""),
                Tag.of("local_port", "0"),
                Tag.of("proto", "FWM"),
                Tag.of("local_mark", hexMark(m)),
                Tag.of("pool", Long.toString(m.value())));
    }

    /** As {@code /proc/net/ip_vs} prints a mark and node_exporter labels it: 8 upper-case hex digits. */
    static String hexMark(Fwmark m) {
        return String.format(Locale.ROOT, "%08X", m.value());
    }

    private List<Meter> registerBackend(Tags tags, Holder<Backend> h) {
        List<Meter> out = new ArrayList<>();
        out.add(gauge(
                "node.ipvs.backend.connections.active",
                "The current active connections by local and remote address.",
                tags,
                h,
                b -> b.activeConns()));
        out.add(gauge(
                "node.ipvs.backend.connections.inactive",
                "The current inactive connections by local and remote address.",
                tags,
                h,
                b -> b.inactiveConns()));
        out.add(gauge(
                "node.ipvs.backend.weight",
                "The current backend weight by local and remote address.",
                tags,
                h,
                b -> b.weight()));
        out.add(counter(
                "node.ipvs.backend.connections",
                "Connections the kernel scheduled to this real server since it was added (ipvsadm --stats Conns).",
                tags,
                h,
                b -> stat(b.stats(), Counters::conns)));
        out.add(counter(
                "node.ipvs.backend.incoming.packets",
                "Packets from viewers forwarded to this real server (InPkts).",
                tags,
                h,
                b -> stat(b.stats(), Counters::inPackets)));
        out.add(counter(
                "node.ipvs.backend.outgoing.packets",
                "Packets from this real server through the director (OutPkts; 0 in LVS/DR).",
                tags,
                h,
                b -> stat(b.stats(), Counters::outPackets)));
        out.add(counter(
                "node.ipvs.backend.incoming.bytes",
                "Bytes from viewers forwarded to this real server (InBytes).",
                tags,
                h,
                b -> stat(b.stats(), Counters::inBytes)));
        out.add(counter(
                "node.ipvs.backend.outgoing.bytes",
                "Bytes from this real server through the director (OutBytes; 0 in LVS/DR).",
                tags,
                h,
                b -> stat(b.stats(), Counters::outBytes)));
        out.add(gauge(
                "node.ipvs.backend.connections.per.second",
                "The kernel's estimate of new connections per second to this real server (ipvsadm --rate CPS).",
                tags,
                h,
                b -> stat(b.rates(), Counters::conns)));
        out.add(gauge(
                "node.ipvs.backend.incoming.packets.per.second",
                "The kernel's estimate of incoming packets per second (InPPS).",
                tags,
                h,
                b -> stat(b.rates(), Counters::inPackets)));
        out.add(gauge(
                "node.ipvs.backend.incoming.bytes.per.second",
                "The kernel's estimate of incoming bytes per second (InBPS).",
                tags,
                h,
                b -> stat(b.rates(), Counters::inBytes)));
        return out;
    }

    private List<Meter> registerService(Tags tags, Fwmark m) {
        List<Meter> out = new ArrayList<>();
        out.add(FunctionCounter.builder("node.ipvs.service.connections", this, s -> s.serviceStat(m, Counters::conns))
                .description("Connections of this fwmark service since it was created (ipvsadm --stats Conns).")
                .tags(tags)
                .register(registry));
        out.add(FunctionCounter.builder(
                        "node.ipvs.service.incoming.packets", this, s -> s.serviceStat(m, Counters::inPackets))
                .description("Packets from viewers of this fwmark service (InPkts).")
                .tags(tags)
                .register(registry));
        out.add(FunctionCounter.builder(
                        "node.ipvs.service.incoming.bytes", this, s -> s.serviceStat(m, Counters::inBytes))
                .description("Bytes from viewers of this fwmark service (InBytes).")
                .tags(tags)
                .register(registry));
        out.add(Gauge.builder("node.ipvs.service.connections.per.second", this, s -> s.serviceRate(m, Counters::conns))
                .description("The kernel's estimate of new connections per second to this fwmark service (CPS).")
                .tags(tags)
                .strongReference(true)
                .register(registry));
        return out;
    }

    private void registerKernel() {
        kernelCounter("node.ipvs.connections", "The total number of connections made.", Counters::conns);
        kernelCounter("node.ipvs.incoming.packets", "The total number of incoming packets.", Counters::inPackets);
        kernelCounter("node.ipvs.outgoing.packets", "The total number of outgoing packets.", Counters::outPackets);
        kernelCounter("node.ipvs.incoming.bytes", "The total amount of incoming data.", Counters::inBytes);
        kernelCounter("node.ipvs.outgoing.bytes", "The total amount of outgoing data.", Counters::outBytes);
    }

    private void kernelCounter(String name, String help, ToDoubleFunction<Counters> f) {
        FunctionCounter.builder(name, this, s -> {
                    Counters c = s.last.kernelTotals();
                    return c == null ? 0 : f.applyAsDouble(c);
                })
                .description(help)
                .register(registry);
    }

    private double serviceStat(Fwmark m, ToDoubleFunction<Counters> f) {
        Counters c = last.serviceStats().get(m);
        return c == null ? 0 : f.applyAsDouble(c);
    }

    private double serviceRate(Fwmark m, ToDoubleFunction<Counters> f) {
        Counters c = last.serviceRates().get(m);
        return c == null ? 0 : f.applyAsDouble(c);
    }

    private static double stat(Counters c, ToDoubleFunction<Counters> f) {
        return c == null ? 0 : f.applyAsDouble(c);
    }

    private Meter gauge(String name, String help, Tags tags, Holder<Backend> h, ToDoubleFunction<Backend> f) {
        return Gauge.builder(name, h, x -> f.applyAsDouble(x.value))
                .description(help)
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private Meter counter(String name, String help, Tags tags, Holder<Backend> h, ToDoubleFunction<Backend> f) {
        return FunctionCounter.builder(name, h, x -> f.applyAsDouble(x.value))
                .description(help)
                .tags(tags)
                .register(registry);
    }

    /** The latest value of one series' source; a backend ipvsadm did not list this time keeps its last totals. */
    private static final class Holder<T> {
        volatile T value;

        Holder(T v) {
            value = v;
        }

        void set(T v) {
            if (v instanceof Backend b && value instanceof Backend old) {
                value = (T) new Backend(
                        b.weight(),
                        b.activeConns(),
                        b.inactiveConns(),
                        b.stats() != null ? b.stats() : old.stats(),
                        b.rates() != null ? b.rates() : old.rates());
            } else {
                value = v;
            }
        }
    }
}
