package io.videolb.health.schedule;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.Prober;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Reads each server's stats endpoint (nginx-rtmp {@code rtmp_stat}) every interval on one Vert.x context: one
 * periodic timer per server (first read spread at random over the interval), never two reads of a server in
 * flight, every read bounded in time and bytes by {@link Prober#streamInventory}. The latest result per
 * server (an inventory, or unknown with its reason) is kept and handed to the listener.
 */
public final class InventoryPoller implements AutoCloseable {
    /** Where a server's stats page is: host, port and path (the path starts with '/'). */
    public record StatsEndpoint(String host, int port, String path) {
        public StatsEndpoint {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("stats port " + port + " not in 1..65535");
            if (path == null || !path.startsWith("/") || !path.chars().allMatch(c -> c > 0x20 && c < 0x7f))
                throw new IllegalArgumentException(
                        "stats path '" + path + "' must start with '/' and be visible ASCII");
        }
    }

    /** Told every read's result, on the poller's context. Must not block. */
    public interface Listener {
        void inventory(Ipv4Address server, InventoryResult result);

        Listener NONE = (server, result) -> {};
    }

    private final Vertx vertx;
    private final Context context;
    private final Prober prober;
    private final long intervalMs;
    private final long timeoutMs;
    private final Listener listener;
    private final Consumer<Set<Ipv4Address>> targetsSet;
    private final Map<Ipv4Address, Poll> polls = new HashMap<>();
    private final Map<Ipv4Address, InventoryResult> latest = new ConcurrentHashMap<>();
    private boolean closed;

    private static final class Poll {
        final StatsEndpoint endpoint;
        long timer = -1;
        boolean inFlight;

        Poll(StatsEndpoint endpoint) {
            this.endpoint = endpoint;
        }
    }

    public InventoryPoller(
            Vertx vertx, Context context, Prober prober, long intervalMs, long timeoutMs, Listener listener) {
        this(vertx, context, prober, intervalMs, timeoutMs, listener, servers -> {});
    }

    /** {@code targetsSet} is told, on the poller's context, the servers read after each {@link #setTargets}. */
    public InventoryPoller(
            Vertx vertx,
            Context context,
            Prober prober,
            long intervalMs,
            long timeoutMs,
            Listener listener,
            Consumer<Set<Ipv4Address>> targetsSet) {
        if (intervalMs < 1) throw new IllegalArgumentException("interval must be positive, got " + intervalMs);
        if (timeoutMs < 1 || timeoutMs >= intervalMs)
            throw new IllegalArgumentException(
                    "timeout must be positive and below the interval (" + intervalMs + " ms), got " + timeoutMs);
        this.vertx = vertx;
        this.context = context;
        this.prober = prober;
        this.intervalMs = intervalMs;
        this.timeoutMs = timeoutMs;
        this.listener = listener;
        this.targetsSet = targetsSet;
    }

    /** Makes {@code targets} the set of read servers: new ones start, removed ones stop and are forgotten. */
    public void setTargets(Map<Ipv4Address, StatsEndpoint> targets) {
        Map<Ipv4Address, StatsEndpoint> copy = Map.copyOf(targets);
        context.runOnContext(v -> {
            if (closed) return;
            polls.entrySet().removeIf(e -> {
                if (e.getValue().endpoint.equals(copy.get(e.getKey()))) return false;
                vertx.cancelTimer(e.getValue().timer);
                latest.remove(e.getKey());
                return true;
            });
            copy.forEach((server, ep) -> polls.computeIfAbsent(server, s -> {
                Poll p = new Poll(ep);
                long first = 1 + ThreadLocalRandom.current().nextLong(intervalMs);
                p.timer = vertx.setPeriodic(first, intervalMs, id -> read(server, p));
                return p;
            }));
            targetsSet.accept(Set.copyOf(polls.keySet()));
        });
    }

    private void read(Ipv4Address server, Poll p) {
        if (closed || p.inFlight) return;
        p.inFlight = true;
        prober.streamInventory(p.endpoint.host(), p.endpoint.port(), p.endpoint.path(), timeoutMs)
                .onComplete(ar -> {
                    p.inFlight = false;
                    if (closed || polls.get(server) != p) return;
                    InventoryResult r = ar.succeeded()
                            ? ar.result()
                            : InventoryResult.unknown("stats read error: " + ar.cause(), 0);
                    latest.put(server, r);
                    listener.inventory(server, r);
                });
    }

    /** The latest result of {@code server}, null when none yet (safe from any thread). */
    public InventoryResult latest(Ipv4Address server) {
        return latest.get(server);
    }

    /** The latest result per server (safe from any thread). */
    public Map<Ipv4Address, InventoryResult> latest() {
        return Map.copyOf(latest);
    }

    @Override
    public void close() {
        context.runOnContext(v -> {
            closed = true;
            polls.values().forEach(p -> vertx.cancelTimer(p.timer));
            polls.clear();
        });
    }
}
