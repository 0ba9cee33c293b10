package io.videolb.health.inventory;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.Prober;
import io.videolb.health.schedule.InventoryPoller.StatsEndpoint;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Maintenance;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands a drained server's viewers over at the drain's deadline (issue 16, decision 96): for each server in
 * maintenance that this checker probes, a timer fires at the record's absolute {@code deadlineAtMs} (the same
 * instant at which the agents delete the server) and drops, through the server's nginx-rtmp control location,
 * the subscribers of every stream its latest stream inventory lists, so players see a close and reconnect at
 * once (through the director, to another server) instead of holding a connection the director no longer routes.
 *
 * <p>Once per record (server and deadline). A record removed (server enabled) or a server no longer probed here
 * before the deadline cancels its timer. A deadline already more than {@link #LATE_GRACE_MS} past when first seen
 * (a checker started long after it) is not acted on: those viewers were cut by the directors long ago. The drop
 * calls are bounded by the prober ({@link Prober#dropSubscribers}); their outcome (dropped N, or failed with the
 * reasons) is logged and kept for the service's status. Nothing here holds back the drain's removal: that is the
 * agents' own, at the same deadline, whatever this does. Call every method on one Vert.x context.
 */
public final class DrainHandover {
    private static final Logger LOG = LoggerFactory.getLogger(DrainHandover.class);

    /** A deadline older than this when first seen is not acted on. */
    public static final long LATE_GRACE_MS = 60_000;
    /** Outcomes kept for the status. */
    public static final int KEPT = 16;

    /** Told of each handover's outcome, and of each record not acted on (the service's counters). */
    public interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void finished(Outcome o) {}

            @Override
            public void late(Ipv4Address server, long deadlineAtMs) {}
        };

        /** A handover done (all drops answered, or failed with the reasons). */
        void finished(Outcome o);

        /** A record whose deadline was more than {@link #LATE_GRACE_MS} past when first seen: not acted on. */
        void late(Ipv4Address server, long deadlineAtMs);
    }

    /** How one drop is made (the prober in service; the same signature in tests). */
    public interface Dropper {
        Future<Prober.Drop> drop(String host, int port, String path, String app, String name, long timeoutMs);
    }

    /**
     * One handover: the server, its drain's deadline, when the drops started and how long they took, how many
     * subscribers were dropped over how many streams, and each failure's reason (empty: all went through).
     */
    public record Outcome(
            Ipv4Address server,
            long deadlineAtMs,
            long startedAtMs,
            long tookMs,
            int streams,
            int dropped,
            List<String> failures) {
        public Outcome {
            Objects.requireNonNull(server, "server");
            failures = List.copyOf(failures);
        }

        public boolean ok() {
            return failures.isEmpty();
        }
    }

    private record Key(Ipv4Address server, long deadlineAtMs) {}

    private final Vertx vertx;
    private final Dropper dropper;
    private final long timeoutMs;
    private final LongSupplier clock;
    private final Function<Ipv4Address, InventoryResult> inventory;
    private final Listener listener;
    private final Map<Key, Long> timers = new HashMap<>();
    private final Map<Key, Boolean> done = new HashMap<>();
    private final Deque<Outcome> outcomes = new ArrayDeque<>();
    private Map<Ipv4Address, StatsEndpoint> control = Map.of();
    private volatile List<Outcome> published = List.of();

    /**
     * @param inventory the latest inventory read of a server (null: none yet)
     * @param timeoutMs the bound of each drop call
     */
    public DrainHandover(
            Vertx vertx,
            Dropper dropper,
            long timeoutMs,
            LongSupplier clock,
            Function<Ipv4Address, InventoryResult> inventory) {
        this(vertx, dropper, timeoutMs, clock, inventory, Listener.NONE);
    }

    /** As above, with a listener told of every outcome (on the Vert.x context). */
    public DrainHandover(
            Vertx vertx,
            Dropper dropper,
            long timeoutMs,
            LongSupplier clock,
            Function<Ipv4Address, InventoryResult> inventory,
            Listener listener) {
        if (timeoutMs < 1) throw new IllegalArgumentException("timeout must be positive, got " + timeoutMs);
        this.vertx = vertx;
        this.dropper = dropper;
        this.timeoutMs = timeoutMs;
        this.clock = clock;
        this.inventory = inventory;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * The servers in maintenance (desired state) and the control location of each server this checker probes:
     * arms a timer per new record of a probed server, cancels those no longer wanted.
     */
    public void update(Map<Ipv4Address, Maintenance> maintenance, Map<Ipv4Address, StatsEndpoint> controlEndpoints) {
        control = Map.copyOf(controlEndpoints);
        Map<Key, Maintenance> wanted = new HashMap<>();
        maintenance.forEach((server, m) -> {
            if (control.containsKey(server)) wanted.put(new Key(server, m.deadlineAtMs()), m);
        });
        timers.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) return false;
            vertx.cancelTimer(e.getValue());
            return true;
        });
        done.keySet().removeIf(k -> !maintenance.containsKey(k.server()));
        long now = clock.getAsLong();
        wanted.forEach((key, m) -> {
            if (timers.containsKey(key) || done.containsKey(key)) return;
            long delay = key.deadlineAtMs() - now;
            if (delay < -LATE_GRACE_MS) {
                done.put(key, Boolean.TRUE);
                LOG.info(
                        "drain handover of {}: its deadline passed {} ms before this checker saw it; not acted on",
                        key.server(),
                        -delay);
                listener.late(key.server(), key.deadlineAtMs());
                return;
            }
            timers.put(key, vertx.setTimer(Math.max(1, delay), id -> fire(key)));
        });
    }

    private void fire(Key key) {
        timers.remove(key);
        done.put(key, Boolean.TRUE);
        StatsEndpoint ep = control.get(key.server());
        long start = clock.getAsLong();
        long startNanos = System.nanoTime();
        if (ep == null) return; // no longer probed here (cancelled meanwhile)
        InventoryResult inv = inventory.apply(key.server());
        if (inv == null || !inv.known()) {
            finish(
                    key,
                    start,
                    startNanos,
                    0,
                    0,
                    List.of("no stream inventory of " + key.server() + ": "
                            + (inv == null ? "none read yet" : inv.unknownReason())));
            return;
        }
        List<StreamInventory.Stream> streams = inv.inventory().streams();
        List<Future<Prober.Drop>> drops = new ArrayList<>();
        for (StreamInventory.Stream s : streams)
            drops.add(dropper.drop(ep.host(), ep.port(), ep.path(), s.app(), s.name(), timeoutMs));
        Future.join(drops).onComplete(ar -> {
            int dropped = 0;
            List<String> failures = new ArrayList<>();
            for (int i = 0; i < drops.size(); i++) {
                Prober.Drop d = drops.get(i).result();
                if (d == null)
                    failures.add(streams.get(i).path() + ": " + drops.get(i).cause());
                else if (!d.ok()) failures.add(streams.get(i).path() + ": " + d.failure());
                else dropped += d.dropped();
            }
            finish(key, start, startNanos, streams.size(), dropped, failures);
        });
    }

    private void finish(Key key, long start, long startNanos, int streams, int dropped, List<String> failures) {
        Outcome o = new Outcome(
                key.server(),
                key.deadlineAtMs(),
                start,
                (System.nanoTime() - startNanos) / 1_000_000,
                streams,
                dropped,
                failures);
        if (o.ok())
            LOG.info(
                    "drain handover of {} at its deadline: dropped {} subscriber(s) over {} stream(s) in {} ms",
                    o.server(),
                    o.dropped(),
                    o.streams(),
                    o.tookMs());
        else
            LOG.warn(
                    "drain handover of {} at its deadline: dropped {} subscriber(s) over {} stream(s) in {} ms;"
                            + " failed: {} (the directors delete the server at the deadline all the same)",
                    o.server(),
                    o.dropped(),
                    o.streams(),
                    o.tookMs(),
                    String.join("; ", o.failures()));
        listener.finished(o); // counted before it shows in the status: a reader of both never sees it uncounted
        outcomes.addFirst(o);
        while (outcomes.size() > KEPT) outcomes.removeLast();
        published = List.copyOf(outcomes);
    }

    /** The latest outcomes, newest first (safe from any thread). */
    public List<Outcome> outcomes() {
        return published;
    }

    /** Records waiting for their deadline. */
    public int pending() {
        return timers.size();
    }

    public void close() {
        timers.values().forEach(vertx::cancelTimer);
        timers.clear();
    }
}
