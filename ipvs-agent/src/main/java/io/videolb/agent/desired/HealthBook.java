package io.videolb.agent.desired;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.LatestVerdicts;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds the health topic into the view the agent acts on. Per server it keeps the verdict with
 * the highest sequence (stale or duplicate sequences are dropped). While any checker says it is
 * degraded, new "down" verdicts are held back (the current substitutions stay); "up" verdicts
 * still pass. When no checker is degraded any more, the held-back verdicts take effect.
 * Not thread-safe: one consumer thread feeds it, {@link #view()} returns an immutable copy.
 */
public final class HealthBook {
    private final LatestVerdicts latest = new LatestVerdicts();
    private final Map<Ipv4Address, ServerHealth> effective = new HashMap<>();
    private final Map<String, CheckerStatus> checkers = new HashMap<>();

    /** Returns true when the effective view changed. */
    public boolean accept(HealthVerdict v) {
        if (!latest.accept(v)) return false; // stale or duplicate sequence
        return applyEffective(v);
    }

    private boolean applyEffective(HealthVerdict v) {
        ServerHealth cur = effective.get(v.server());
        if (!v.up() && degraded()) return false;
        if (cur != null && cur.up() == v.up()) return false;
        // a server first seen up has been up "as long as we know": no hold-down for it
        long since = cur == null && v.up() ? 0 : v.observedAtMs();
        effective.put(v.server(), new ServerHealth(v.up(), since));
        return true;
    }

    /** Returns true when the effective view changed. */
    public boolean accept(CheckerStatus s) {
        CheckerStatus prev = checkers.get(s.checkerId());
        if (prev != null && s.sequence() <= prev.sequence()) return false;
        boolean wasDegraded = degraded();
        checkers.put(s.checkerId(), s);
        if (wasDegraded == degraded()) return false;
        if (!degraded()) {
            for (HealthVerdict v : latest.view().values()) applyEffective(v); // the held-back DOWNs take effect
        }
        return true; // at least the view's checkerDegraded changed
    }

    /** A tombstone on the health topic: forget the server (it counts as up). */
    public boolean forget(Ipv4Address server) {
        latest.remove(server);
        return effective.remove(server) != null;
    }

    public boolean degraded() {
        return checkers.values().stream().anyMatch(CheckerStatus::degraded);
    }

    public HealthView view() {
        return new HealthView(effective, degraded());
    }
}
