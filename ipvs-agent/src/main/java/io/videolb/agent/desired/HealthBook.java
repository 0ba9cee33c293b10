package io.videolb.agent.desired;

import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ServerStreams;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * Folds the health topic into the view the agent acts on. The topic itself is folded by contracts'
 * {@link HealthTopicView} (per key the highest sequence wins; tombstones of verdicts and of checkers
 * remove), as every other reader does. On top of it: while any checker says it is degraded, new
 * "down" verdicts are held back (the current substitutions stay); "up" verdicts still pass. When
 * no checker is degraded any more (a newer report, the checker's tombstone, or its report expired),
 * the held-back verdicts take effect.
 *
 * <p><b>Freshness.</b> Every record is refreshed at {@code min(received, observedAtMs)} (a checker whose
 * clock runs ahead cannot make itself look fresher than it is; a record read at start from offset 0 is as
 * old as its observation). A checker is live while its newest status (its heartbeat) is at most
 * {@code staleAfterMs} old. The health is <em>stale</em> when nothing (no checker status, no verdict) was
 * refreshed within the bound, or when a partition of the health topic has no live checker claiming it
 * (the partitions come with the heartbeats). Stale health changes nothing by itself: the verdicts held
 * stay as they are (no server is failed or restored because its verdict is old), and a degraded status
 * keeps holding DOWNs back while the health is stale. A degraded status of a checker that is no longer
 * live stops counting once the health is fresh again otherwise (a dead checker never holds back the
 * live checkers' DOWNs for longer than the bound). {@link #tick()} re-evaluates this as time passes.
 *
 * <p>Not thread-safe: one consumer thread feeds it (under the agent's lock), {@link #view()} returns an
 * immutable copy.
 */
public final class HealthBook {
    /** The default freshness bound: above the default heartbeat (2 s) plus the health session timeout (10 s) plus a rebalance, so that one checker dying while another takes over its partitions is no staleness. */
    public static final long DEFAULT_STALE_AFTER_MS = 15_000;

    private final HealthTopicView topic;
    private final Map<Ipv4Address, ServerHealth> effective = new HashMap<>();
    private final Map<Ipv4Address, ServerStreamFacts> streams = new HashMap<>();
    /** Per server, when each stream was last seen publishing in a known inventory read while it was UP. */
    private final Map<Ipv4Address, Map<String, Long>> seenWhileUp = new HashMap<>();

    private final Map<String, Long> checkerRefreshedAt = new TreeMap<>();
    private long verdictRefreshedAt = Long.MIN_VALUE;
    private final long staleAfterMs;
    private final LongSupplier clock;
    private boolean degraded;

    /** With the default bound and the system clock (the CLI's one-shot plan). */
    public HealthBook() {
        this(DEFAULT_STALE_AFTER_MS, System::currentTimeMillis);
    }

    public HealthBook(long staleAfterMs, LongSupplier clock) {
        this(staleAfterMs, clock, HealthTopicView.DEFAULT_MAX_FUTURE_SKEW_MS);
    }

    /**
     * @param maxFutureSkewMs a record whose sequence is further ahead of the system clock than this is refused and
     *                        reported as unreadable (issue 13: a sequence of Long.MAX_VALUE would pin its verdict)
     */
    public HealthBook(long staleAfterMs, LongSupplier clock, long maxFutureSkewMs) {
        this.topic = new HealthTopicView(System::currentTimeMillis, maxFutureSkewMs);
        if (staleAfterMs <= 0) throw new IllegalArgumentException("staleAfterMs must be positive, got " + staleAfterMs);
        this.staleAfterMs = staleAfterMs;
        this.clock = clock;
    }

    /**
     * One record of the health topic as the agent's reader gets it (value null: a tombstone): decoded
     * once, folded, and reacted on. {@code changed} means the effective view changed; an undecodable
     * record changes nothing and comes back as {@link HealthTopicView.Applied#unreadable()} for the caller to report.
     */
    public HealthTopicView.Applied apply(String key, String value) {
        HealthRecord r = topic.futureRefused(HealthRecord.decode(key, value));
        return new HealthTopicView.Applied(r, accept(r));
    }

    /** Returns true when the effective view changed. */
    public boolean accept(HealthRecord r) {
        long now = clock.getAsLong();
        if (r instanceof HealthRecord.ServerVerdict sv) {
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false; // stale or duplicate sequence
            verdictRefreshedAt =
                    Math.max(verdictRefreshedAt, refreshedAt(sv.verdict().observedAtMs(), now));
            boolean changed = reevaluate(now); // a fresh verdict may end the staleness, and with it an expired hold
            return applyEffective(sv.verdict()) | changed;
        }
        if (r instanceof HealthRecord.VerdictTombstone t) {
            topic.apply(r);
            return effective.remove(t.server()) != null; // forgotten: it counts as up
        }
        if (r instanceof HealthRecord.CheckerReport cr) {
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false;
            CheckerStatus s = cr.status();
            checkerRefreshedAt.put(s.checkerId(), refreshedAt(s.observedAtMs(), now));
            return reevaluate(now);
        }
        if (r instanceof HealthRecord.CheckerTombstone t) {
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false;
            checkerRefreshedAt.remove(t.checkerId());
            return reevaluate(now);
        }
        if (r instanceof HealthRecord.ServerInventory si) {
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false;
            return foldInventory(si.streams());
        }
        if (r instanceof HealthRecord.InventoryTombstone t) {
            topic.apply(r);
            seenWhileUp.remove(t.server());
            return streams.remove(t.server()) != null; // the server left: nothing to remember of it
        }
        topic.apply(r); // unreadable (counted)
        return false;
    }

    /**
     * Failover gating's facts of one server (issue 16): its publishing streams now, and the ones it carried while
     * UP: every stream publishing in a known inventory read while its newest verdict was UP (or it had none), until
     * such an inventory observed more than the freshness bound ({@code staleAfterMs}, 15 s) later lacks it. An
     * unknown inventory keeps what was carried while UP and is never read as "no streams". True when a gating fact changed (viewer counts and bandwidth change
     * nothing: no reconcile for them).
     */
    private boolean foldInventory(ServerStreams s) {
        ServerStreamFacts prev = streams.get(s.server());
        Set<String> carried = prev == null ? null : prev.carriedWhenUp();
        HealthVerdict v = topic.verdicts().get(s.server());
        Set<String> publishing = new TreeSet<>(s.publishingPaths());
        if (s.known() && (v == null || v.up())) {
            // a stream leaves the carried set only when absent for the freshness bound: a dying server's streams
            // often vanish from its stats page a moment before its probe fails, and that must not empty the set
            Map<String, Long> seen = seenWhileUp.computeIfAbsent(s.server(), k -> new HashMap<>());
            for (String p : publishing) seen.put(p, s.observedAtMs());
            seen.values().removeIf(at -> at < s.observedAtMs() - staleAfterMs);
            carried = new TreeSet<>(seen.keySet());
        }
        ServerStreamFacts next = new ServerStreamFacts(carried, s.known(), publishing, s.known() ? "" : s.reason());
        streams.put(s.server(), next);
        if (prev == null) return true;
        return !Objects.equals(prev.carriedWhenUp(), next.carriedWhenUp())
                || prev.known() != next.known()
                || !prev.publishing().equals(next.publishing());
    }

    /** Returns true when the effective view changed. */
    public boolean accept(HealthVerdict v) {
        return accept(new HealthRecord.ServerVerdict(v));
    }

    /** Returns true when the effective view changed. */
    public boolean accept(CheckerStatus s) {
        return accept(new HealthRecord.CheckerReport(s));
    }

    /** A tombstone on the health topic: forget the server (it counts as up). */
    public boolean forget(Ipv4Address server) {
        return accept(new HealthRecord.VerdictTombstone(server));
    }

    /**
     * Re-evaluates what time changes: a degraded status that expired while the health is otherwise fresh
     * releases the DOWNs it held back. Returns true when the effective view changed. Call periodically.
     */
    public boolean tick() {
        return reevaluate(clock.getAsLong());
    }

    private static long refreshedAt(long observedAtMs, long receivedAtMs) {
        return Math.min(observedAtMs, receivedAtMs);
    }

    /** Updates the degraded flag; when it clears, the held-back verdicts take effect. True when the view changed. */
    private boolean reevaluate(long now) {
        boolean was = degraded;
        degraded = degradedAt(now);
        if (was && !degraded) {
            for (HealthVerdict v : topic.verdicts().values()) applyEffective(v); // the held-back DOWNs take effect
        }
        return was != degraded; // at least the view's degraded flag changed
    }

    private boolean degradedAt(long now) {
        boolean anyDegraded = false;
        for (CheckerStatus c : topic.checkers().values()) anyDegraded |= c.degraded();
        if (!anyDegraded) return false;
        boolean stale = freshnessAt(now).stale();
        for (CheckerStatus c : topic.checkers().values()) {
            if (c.degraded() && (stale || live(c.checkerId(), now))) return true;
        }
        return false;
    }

    private boolean live(String checkerId, long now) {
        Long at = checkerRefreshedAt.get(checkerId);
        return at != null && now - at <= staleAfterMs;
    }

    private boolean applyEffective(HealthVerdict v) {
        ServerHealth cur = effective.get(v.server());
        if (!v.up() && degraded) return false;
        if (cur != null && cur.up() == v.up()) return false;
        // a server first seen up has been up "as long as we know": no hold-down for it
        long since = cur == null && v.up() ? 0 : v.observedAtMs();
        effective.put(v.server(), new ServerHealth(v.up(), since));
        return true;
    }

    /** Whether DOWN verdicts are held back now (a live checker is degraded, or a degraded one while the health is stale). */
    public boolean degraded() {
        return degraded;
    }

    /** The freshness bound in milliseconds. */
    public long staleAfterMs() {
        return staleAfterMs;
    }

    /** How fresh the health topic is now: what the agent reports in its status, metrics and log. */
    public AgentStatus.HealthFreshness freshness() {
        return freshnessAt(clock.getAsLong());
    }

    private AgentStatus.HealthFreshness freshnessAt(long now) {
        long newest = verdictRefreshedAt;
        for (long at : checkerRefreshedAt.values()) newest = Math.max(newest, at);
        if (newest == Long.MIN_VALUE)
            return new AgentStatus.HealthFreshness(false, -1, staleAfterMs, ""); // nothing read yet: nothing to hold
        long age = Math.max(0, now - newest);
        if (age > staleAfterMs) {
            return new AgentStatus.HealthFreshness(
                    true,
                    age,
                    staleAfterMs,
                    "no health checker has refreshed for " + age + " ms (bound " + staleAfterMs
                            + " ms): holding the current verdicts");
        }
        List<String> live = new ArrayList<>();
        int partitionCount = 0;
        TreeSet<Integer> covered = new TreeSet<>();
        for (Map.Entry<String, Long> e : checkerRefreshedAt.entrySet()) {
            if (now - e.getValue() > staleAfterMs) continue;
            live.add(e.getKey());
            CheckerStatus s = topic.checkers().get(e.getKey());
            if (s == null) continue;
            partitionCount = Math.max(partitionCount, s.partitionCount());
            covered.addAll(s.partitions());
        }
        List<Integer> uncovered = new ArrayList<>();
        for (int p = 0; p < partitionCount; p++) if (!covered.contains(p)) uncovered.add(p);
        if (!uncovered.isEmpty()) {
            return new AgentStatus.HealthFreshness(
                    true,
                    age,
                    staleAfterMs,
                    "partition(s) " + uncovered + " of " + partitionCount + " of the health topic have no live checker"
                            + " (live: " + String.join(", ", live) + "): holding the current verdicts");
        }
        return new AgentStatus.HealthFreshness(false, age, staleAfterMs, "");
    }

    public HealthView view() {
        return new HealthView(effective, degraded, streams);
    }

    /** The health topic as folded (before the hold-back): the same view every other reader of the topic holds. */
    public HealthTopicView.Snapshot topic() {
        return topic.snapshot();
    }

    /** The newest stream inventory per server (a copy; load-fed weights read it, issue 16). */
    public Map<Ipv4Address, ServerStreams> inventories() {
        return Map.copyOf(topic.inventories());
    }

    /** Records of the health topic that could not be decoded and were skipped. */
    public long unreadableCount() {
        return topic.unreadableCount();
    }
}
