package io.videolb.agent.loop;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.plan.Change;
import io.videolb.agent.plan.Planner;
import io.videolb.events.DesiredSnapshot;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The rule of the client fast path (pure, decision 127): whether a new desired generation can be applied as one
 * in-place edit of the steering set, without reading the kernel, and which edit. It is fast only when the new
 * generation differs from the one the last successful run applied in its client steering entries alone (client
 * network -> mark: adds, removes, changes), by at most {@link #MAX_ENTRIES} entries and no more than the full run
 * would change in place ({@link Planner#MAX_IN_PLACE}, a tenth of the set), the health view is the one that run acted
 * on, and steering is applied on this machine. The edit is what the full run's planner would compute from the same
 * inputs: the members are the client entries plus the clients' network at the {@code default} mark where no entry
 * names it ({@link DesiredKernel#compute}), each changed entry becomes {@code add -exist} (new or changed mark) or
 * {@code del -exist}.
 *
 * <p>Everything else is {@link Full}: the kernel's state unknown (after a refusal), steering not applied here
 * (plan-only, or ipset/iptables unusable), the same generation (the verdict path's, {@link FastPath}), a change in
 * the parameters, pools, backups or maintenance (they change IPVS, the chain or the default entry), a verdict not yet
 * applied (the full run takes both together), more entries than the bound (the full run replaces the set atomically
 * above the in-place threshold), a set that must grow (maxelem: a replacement), a mark with no pool (the rules refuse
 * such a generation; checked again here).
 *
 * <p>Cost: the non-client parts are compared with {@code equals} (a few hundred objects at most), the client maps by
 * one merge walk over both sorted maps, stopped at the bound ({@value #MAX_ENTRIES} + 1 differences): linear in the
 * number of clients and nothing copied (decision 127 has the figures); the size difference alone sends a large change
 * to the full run before any walk. The set the kernel holds afterwards ({@link Edits#applyTo}, a copy) is left to
 * the caller to build when it needs it, after the edit is applied.
 */
public final class ClientFastPath {
    /**
     * At most this many changed entries go through the fast path: one ipset batch of up to 1,000 lines is applied in
     * about 13 ms by {@code ipset -} (decision 127), inside the goal of 50 ms; an admin API write moves one client, a
     * CSV import that changes more is a full run (an atomic set replacement above {@link Planner#MAX_IN_PLACE} on a
     * set of fewer than 10,000 entries).
     */
    public static final int MAX_ENTRIES = 1000;

    private ClientFastPath() {}

    /** What to do with a new generation. */
    public sealed interface Decision {}

    /**
     * Apply {@code edit} (possibly empty: the generation changes nothing in the kernel) at once.
     *
     * @param maxelem the set's maxelem in the desired kernel of the new generation (as the full run computes it; never
     *     more than the set has)
     */
    public record Edits(Change.SetUpdate edit, int maxelem) implements Decision {
        public int size() {
            return edit.put().size() + edit.delete().size();
        }

        /**
         * {@code set} with the edit applied: what the kernel holds after it. Linear in the set's size (a copy): the
         * caller builds it only when it needs it, never before the edit is in the kernel.
         */
        public KernelState.SetState applyTo(KernelState.SetState set) {
            if (size() == 0 && set.maxelem() == maxelem) return set;
            TreeMap<Ipv4Network, Fwmark> members = new TreeMap<>(set.members());
            members.putAll(edit.put());
            edit.delete().forEach(members::remove);
            return new KernelState.SetState(maxelem, members, 0);
        }
    }

    /** Leave it to the full reconcile, for this reason. */
    public record Full(String reason) implements Decision {}

    /**
     * @param lastApplied    what the last successful run applied (null: unknown); only whether it has a set and the
     *     set's maxelem are read (its members may lag behind by the fast edits since the last full run)
     * @param lastState      the desired state of that run's generation (null: none yet)
     * @param lastGeneration that generation
     * @param lastHealth     the health view that run acted on (null: unknown)
     * @param steering       steering (ipset/iptables) is applied on this machine (false: plan-only for it)
     */
    public static Decision decide(
            KernelState lastApplied,
            DesiredState lastState,
            long lastGeneration,
            HealthView lastHealth,
            DesiredSnapshot snapshot,
            HealthView health,
            boolean steering) {
        if (!steering) return new Full("steering is not applied here (plan-only)");
        if (lastApplied == null || lastState == null)
            return new Full("the kernel's state is not known since the last run");
        if (snapshot == null) return new Full("no desired generation");
        if (snapshot.generation() == lastGeneration) return new Full("the same generation as the last run");
        KernelState.SetState set = lastApplied.set();
        if (set == null) return new Full("the last run applied no steering set");
        if (lastHealth == null || !lastHealth.equals(health))
            return new Full("a health change is not applied yet (the full run takes both)");
        DesiredState now = snapshot.state();
        String other = otherDifference(lastState, now);
        if (other != null) return new Full("not only client entries changed: " + other);
        int size = memberCount(now);
        int bound = Math.min(MAX_ENTRIES, Math.max(Planner.MAX_IN_PLACE, size / 10));
        if (Math.abs(size - memberCount(lastState)) > bound)
            return new Full("more than " + bound + " client entries changed");
        if (DesiredKernel.maxelemFor(size) > set.maxelem())
            return new Full("the set must grow to maxelem " + DesiredKernel.maxelemFor(size)
                    + " (a replacement, the full run's)");
        List<Ipv4Network> changed = changedEntries(lastState.clients(), now.clients(), bound);
        if (changed == null) return new Full("more than " + bound + " client entries changed");
        TreeMap<Ipv4Network, Fwmark> put = new TreeMap<>();
        List<Ipv4Network> delete = new ArrayList<>();
        for (Ipv4Network n : changed) {
            Fwmark want = member(now, n);
            Fwmark had = member(lastState, n);
            if (want == null) {
                if (had != null) delete.add(n);
            } else if (!want.equals(had)) {
                if (!now.pools().containsKey(want))
                    return new Full("mark " + want + " of client " + n + " has no pool");
                put.put(n, want);
            }
        }
        return new Edits(new Change.SetUpdate(put, delete), DesiredKernel.maxelemFor(size));
    }

    /** The first non-client part that differs, in words; null when only the client entries may differ. */
    static String otherDifference(DesiredState a, DesiredState b) {
        if (!a.params().equals(b.params())) return "parameters";
        if (!a.pools().equals(b.pools())) return "pools";
        if (!a.backups().equals(b.backups())) return "backups";
        if (!a.maintenance().equals(b.maintenance())) return "maintenance";
        return null;
    }

    /** The set's member count for {@code s}: its client entries, plus the clients' network where none names it. */
    static int memberCount(DesiredState s) {
        return s.clients().size() + (s.clients().containsKey(s.params().clientNetwork()) ? 0 : 1);
    }

    /** The mark of {@code n} in the set for {@code s} (as {@link DesiredKernel#compute} builds it), null: no member. */
    static Fwmark member(DesiredState s, Ipv4Network n) {
        Fwmark m = s.clients().get(n);
        if (m == null && n.equals(s.params().clientNetwork())) return s.params().defaultMark();
        return m;
    }

    /**
     * The networks whose entry differs between {@code a} and {@code b} (added, removed, other mark), by one merge walk
     * of the two sorted maps; null as soon as there are more than {@code bound}.
     */
    static List<Ipv4Network> changedEntries(
            SortedMap<Ipv4Network, Fwmark> a, SortedMap<Ipv4Network, Fwmark> b, int bound) {
        List<Ipv4Network> out = new ArrayList<>();
        if (a == b) return out;
        Iterator<Map.Entry<Ipv4Network, Fwmark>> ia = a.entrySet().iterator();
        Iterator<Map.Entry<Ipv4Network, Fwmark>> ib = b.entrySet().iterator();
        Map.Entry<Ipv4Network, Fwmark> ea = ia.hasNext() ? ia.next() : null;
        Map.Entry<Ipv4Network, Fwmark> eb = ib.hasNext() ? ib.next() : null;
        while (ea != null || eb != null) {
            int c = ea == null ? 1 : eb == null ? -1 : ea.getKey().compareTo(eb.getKey());
            if (c < 0) {
                out.add(ea.getKey());
                ea = ia.hasNext() ? ia.next() : null;
            } else if (c > 0) {
                out.add(eb.getKey());
                eb = ib.hasNext() ? ib.next() : null;
            } else {
                if (!ea.getValue().equals(eb.getValue())) out.add(ea.getKey());
                ea = ia.hasNext() ? ia.next() : null;
                eb = ib.hasNext() ? ib.next() : null;
            }
            if (out.size() > bound) return null;
        }
        return out;
    }
}
