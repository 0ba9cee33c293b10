package io.videolb.runtime;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one videolb process runs its services on: the process's only Vert.x instance, its only
 * Micrometer {@link PrometheusMeterRegistry} (each service sees its part through
 * {@link #metrics(String)}), and the build's version for {@code videolb_build_info}. Services are
 * Vert.x verticles ({@link io.vertx.core.VerticleBase}: {@code start()} and {@code stop()} return
 * futures) deployed here; no service creates a Vert.x of its own (an ArchUnit rule checks it).
 *
 * <pre>{@code
 * try (ServiceRuntime runtime = ServiceRuntime.create()) {
 *     HealthService health = runtime.deploy(new HealthService(config, runtime)); // returns once started
 *     ...
 * }   // undeploys the services in reverse order, then closes Vert.x
 * }</pre>
 *
 * {@link #deploy} and {@link #undeploy} wait, so they must not be called on a Vert.x thread.
 */
public final class ServiceRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceRuntime.class);
    /** Longest start of a service: reading its topics from offset 0 may take a while (config-service waits up to 120 s). */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(5);
    /** Longest stop of a service (its Kafka clients close within a few seconds each). */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final String version = BuildInfo.version();
    private final Map<String, ServiceMetrics> openMetrics = new HashMap<>(); // guarded by this
    private final Deque<Deployed> deployed = new ArrayDeque<>(); // guarded by this, newest first
    private boolean closed;

    private record Deployed(Deployable service, String id) {}

    private ServiceRuntime(VertxOptions options) {
        this.vertx = Vertx.builder().with(options).build();
    }

    /** A runtime with Vert.x's default options (event loops: 2 x cores; 20 worker threads for blocking work). */
    public static ServiceRuntime create() {
        return new ServiceRuntime(new VertxOptions());
    }

    /** The process's Vert.x. */
    public Vertx vertx() {
        return vertx;
    }

    /** The process's registry (all services' series; a service's own part: {@link #metrics(String)}). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** This build's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public String version() {
        return version;
    }

    /**
     * Opens the metrics of {@code service} (e.g. {@code health-service}): registers its
     * {@code videolb_build_info}; closing them removes its meters. One open view per name at a time.
     *
     * @throws IllegalStateException when the metrics of that service are open already (two instances
     *                               of one service in one process would mix their series)
     */
    public synchronized ServiceMetrics metrics(String service) {
        if (closed) throw new IllegalStateException("the service runtime is closed");
        if (service == null || !service.matches("[a-z][a-z0-9-]{0,62}"))
            throw new IllegalArgumentException("service name: " + service);
        if (openMetrics.containsKey(service))
            throw new IllegalStateException("the metrics of " + service + " are open already");
        ServiceMetrics m = new ServiceMetrics(service, version, registry, () -> closedMetrics(service));
        openMetrics.put(service, m);
        return m;
    }

    private synchronized void closedMetrics(String service) {
        openMetrics.remove(service);
    }

    /** {@link #deploy(Deployable, Duration)} with {@link #DEFAULT_START_TIMEOUT}. */
    public <S extends Deployable> S deploy(S service) {
        return deploy(service, DEFAULT_START_TIMEOUT);
    }

    /**
     * Deploys {@code service} and returns it once its start succeeded.
     *
     * @throws RuntimeException the start's own failure as it was raised (an {@link IllegalArgumentException}
     *                          stays one: a usage error), or {@link IllegalStateException} on timeout
     */
    public <S extends Deployable> S deploy(S service, Duration timeout) {
        Objects.requireNonNull(service, "service");
        notOnVertxThread("deploy");
        synchronized (this) {
            if (closed) throw new IllegalStateException("the service runtime is closed");
        }
        String name = service.getClass().getSimpleName();
        Future<String> f = vertx.deployVerticle(service);
        String id;
        try {
            id = await(f, timeout, name + " start");
        } catch (IllegalStateException timedOut) {
            f.onSuccess(vertx::undeploy); // stop it should it still come up
            throw timedOut;
        }
        synchronized (this) {
            deployed.push(new Deployed(service, id));
        }
        return service;
    }

    /** Stops {@code service} (its {@code stop()}), waiting at most {@link #STOP_TIMEOUT}. No-op when it is not deployed here. */
    public void undeploy(Deployable service) {
        notOnVertxThread("undeploy");
        Deployed d = null;
        synchronized (this) {
            for (Iterator<Deployed> it = deployed.iterator(); it.hasNext(); ) {
                Deployed x = it.next();
                if (x.service() == service) {
                    d = x;
                    it.remove();
                    break;
                }
            }
        }
        if (d != null) stop(d);
    }

    private void stop(Deployed d) {
        String name = d.service().getClass().getSimpleName();
        try {
            await(vertx.undeploy(d.id()), STOP_TIMEOUT, name + " stop");
        } catch (RuntimeException e) {
            LOG.warn("{} did not stop cleanly: {}", name, e.toString());
        }
    }

    /** Undeploys every service, newest first, then closes Vert.x and the registry. Idempotent. */
    @Override
    public void close() {
        notOnVertxThread("close");
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        while (true) {
            Deployed d;
            synchronized (this) {
                d = deployed.poll();
            }
            if (d == null) break;
            stop(d);
        }
        try {
            await(vertx.close(), Duration.ofSeconds(30), "Vert.x close");
        } catch (RuntimeException e) {
            LOG.warn("{}", e.toString());
        }
        registry.close();
    }

    private static void notOnVertxThread(String what) {
        if (Context.isOnVertxThread())
            throw new IllegalStateException(what + " waits: never call it on a Vert.x thread");
    }

    private static <T> T await(Future<T> f, Duration timeout, String what) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new IllegalStateException(what + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException(what + " did not complete within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }
}
