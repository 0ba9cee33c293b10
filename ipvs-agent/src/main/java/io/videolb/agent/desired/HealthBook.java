package io.videolb.agent.desired;

import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.Map;

/**
 * Folds the health topic into the view the agent acts on. The topic itself is folded by contracts'
 * {@link HealthTopicView} (per key the highest sequence wins; tombstones of verdicts and of checkers
 * remove), as every other reader does. On top of it: while any checker says it is degraded, new
 * "down" verdicts are held back (the current substitutions stay); "up" verdicts still pass. When
 * no checker is degraded any more (a newer report, or the checker's tombstone), the held-back
 * verdicts take effect. Not thread-safe: one consumer thread feeds it, {@link #view()} returns an
 * immutable copy.
 */
public final class HealthBook {
    private final HealthTopicView topic = new HealthTopicView();
    private final Map<Ipv4Address, ServerHealth> effective = new HashMap<>();

    /**
     * One record of the health topic as the agent's reader gets it (value null: a tombstone): decoded
     * once, folded, and reacted on. {@code changed} means the effective view changed; an undecodable
     * record changes nothing and comes back as {@link HealthTopicView.Applied#unreadable()} for the caller to report.
     */
    public HealthTopicView.Applied apply(String key, String value) {
        HealthRecord r = HealthRecord.decode(key, value);
        return new HealthTopicView.Applied(r, accept(r));
    }

    /** Returns true when the effective view changed. */
    public boolean accept(HealthRecord r) {
        if (r instanceof HealthRecord.ServerVerdict sv) {
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false; // stale or duplicate sequence
            return applyEffective(sv.verdict());
        }
        if (r instanceof HealthRecord.VerdictTombstone t) {
            topic.apply(r);
            return effective.remove(t.server()) != null; // forgotten: it counts as up
        }
        if (r instanceof HealthRecord.CheckerReport || r instanceof HealthRecord.CheckerTombstone) {
            boolean wasDegraded = degraded();
            if (topic.apply(r) != HealthTopicView.Effect.CHANGED) return false;
            if (wasDegraded && !degraded()) {
                for (HealthVerdict v : topic.verdicts().values()) applyEffective(v); // the held-back DOWNs take effect
            }
            return wasDegraded != degraded(); // at least the view's degraded flag changed
        }
        topic.apply(r); // unreadable: counted, nothing else
        return false;
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

    private boolean applyEffective(HealthVerdict v) {
        ServerHealth cur = effective.get(v.server());
        if (!v.up() && degraded()) return false;
        if (cur != null && cur.up() == v.up()) return false;
        // a server first seen up has been up "as long as we know": no hold-down for it
        long since = cur == null && v.up() ? 0 : v.observedAtMs();
        effective.put(v.server(), new ServerHealth(v.up(), since));
        return true;
    }

    public boolean degraded() {
        return topic.anyCheckerDegraded();
    }

    public HealthView view() {
        return new HealthView(effective, degraded());
    }

    /** The health topic as folded (before the hold-back): the same view every other reader of the topic holds. */
    public HealthTopicView.Snapshot topic() {
        return topic.snapshot();
    }

    /** Records of the health topic that could not be decoded and were skipped. */
    public long unreadableCount() {
        return topic.unreadableCount();
    }
}
