package io.videolb.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's part of the process's one {@link PrometheusMeterRegistry}. Meters registered on
 * {@link #registry()} carry the label {@code service="NAME"} and land in the process registry;
 * {@link #scrape()} renders exactly the series labelled with this service (among them
 * {@code videolb_build_info{service="NAME",version="..."} 1}), so that in {@code videolb standalone},
 * where four services share one registry, each service's {@code /metrics} shows its own series once.
 * Obtained from {@link ServiceRuntime#metrics(String)}; {@link #close()} removes the service's meters.
 */
public final class ServiceMetrics implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceMetrics.class);
    /** The label naming the service on every series of it. */
    public static final String SERVICE_LABEL = "service";
    /** {@code text/plain; version=0.0.4; charset=utf-8}: the Prometheus text exposition format. */
    public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final String service;
    private final PrometheusMeterRegistry process;
    private final CompositeMeterRegistry view;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();

    ServiceMetrics(String service, String version, PrometheusMeterRegistry process, Runnable onClose) {
        this.service = Objects.requireNonNull(service, "service");
        this.process = Objects.requireNonNull(process, "process");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        this.view = new CompositeMeterRegistry(process.config().clock(), List.of(process));
        view.config().commonTags(SERVICE_LABEL, service);
        Gauge.builder("videolb.build.info", () -> 1)
                .description("Build of this service: 1, with its version in a label")
                .tag("version", version)
                .strongReference(true)
                .register(view);
    }

    /** The service's name, the value of its {@value #SERVICE_LABEL} label. */
    public String service() {
        return service;
    }

    /** Where the service registers its meters (every one gets the {@code service} label). */
    public MeterRegistry registry() {
        if (closed.get()) throw new IllegalStateException("the metrics of " + service + " are closed");
        return view;
    }

    /**
     * Runs {@code refresh} at the start of every {@link #scrape()} of this service, on the scraping thread (a worker
     * thread for {@code /metrics}), before the registry is read: for series that are read from outside the process
     * when asked for (the agent's IPVS counters, read from the kernel as node_exporter does). It must bound its own
     * time; a refresh that throws is logged and the scrape goes on with the values it left.
     */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(java.util.Objects.requireNonNull(refresh, "refresh"));
    }

    /** This service's series in the Prometheus text format ({@link #CONTENT_TYPE}). */
    public String scrape() {
        for (Runnable r : beforeScrape) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("/metrics of {}: a refresh before the scrape failed: {}", service, e.toString());
            }
        }
        MetricSnapshots.Builder mine = MetricSnapshots.builder();
        for (MetricSnapshot s : process.getPrometheusRegistry().scrape()) {
            MetricSnapshot kept = onlyThisService(s);
            if (kept != null) mine.metricSnapshot(kept);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            PrometheusTextFormatWriter.create().write(out, mine.build());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The family with only the data points labelled with this service; null when none is. */
    private MetricSnapshot onlyThisService(MetricSnapshot s) {
        if (s.getDataPoints().stream().noneMatch(this::mine)) return null;
        if (s instanceof CounterSnapshot c) return new CounterSnapshot(c.getMetadata(), mine(c.getDataPoints()));
        if (s instanceof GaugeSnapshot g) return new GaugeSnapshot(g.getMetadata(), mine(g.getDataPoints()));
        if (s instanceof HistogramSnapshot h)
            return new HistogramSnapshot(h.isGaugeHistogram(), h.getMetadata(), mine(h.getDataPoints()));
        if (s instanceof SummarySnapshot m) return new SummarySnapshot(m.getMetadata(), mine(m.getDataPoints()));
        if (s instanceof InfoSnapshot i) return new InfoSnapshot(i.getMetadata(), mine(i.getDataPoints()));
        if (s instanceof StateSetSnapshot st) return new StateSetSnapshot(st.getMetadata(), mine(st.getDataPoints()));
        if (s instanceof UnknownSnapshot u) return new UnknownSnapshot(u.getMetadata(), mine(u.getDataPoints()));
        throw new IllegalStateException(
                "a metric family of an unknown kind: " + s.getClass().getName());
    }

    private boolean mine(DataPointSnapshot p) {
        return service.equals(p.getLabels().get(SERVICE_LABEL));
    }

    private <P extends DataPointSnapshot> List<P> mine(List<P> points) {
        return points.stream().filter(this::mine).toList();
    }

    /** Removes every meter of this service from the process registry. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        beforeScrape.clear();
        view.clear();
        for (Meter m : process.getMeters()) {
            if (service.equals(m.getId().getTag(SERVICE_LABEL))) process.remove(m);
        }
        // not view.close(): a composite closes its children, and its child is the process's registry
        onClose.run();
    }
}
