package io.videolb.agent.kernel;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The part of the kernel videolb manages, in typed values: the steering set, our mangle chain
 * and the jumps to it, and the IPVS fwmark services. Used for both the desired and the observed
 * state, so that the planner compares like with like.
 *
 * @param set          the steering set, null when absent
 * @param tempSetExists a leftover temporary set from an interrupted swap
 * @param chainExists  our mangle chain exists
 * @param chainRules   rules of our chain as iptables-save prints them, without "-A CHAIN "
 * @param jumps        how many PREROUTING rules jump to our chain
 * @param services     IPVS fwmark services (observed: all of them, ours and foreign)
 */
public record KernelState(
        SetState set,
        boolean tempSetExists,
        boolean chainExists,
        List<String> chainRules,
        int jumps,
        SortedMap<Fwmark, IpvsService> services) {
    public KernelState {
        chainRules = List.copyOf(chainRules);
        services = Collections.unmodifiableSortedMap(new TreeMap<>(services));
    }

    public static final KernelState EMPTY = new KernelState(null, false, false, List.of(), 0, new TreeMap<>());

    /**
     * The steering set.
     *
     * @param maxelem  its capacity
     * @param members  client network -> mark
     * @param unreadable members the reader could not parse (a foreign writer; forces a full replacement)
     */
    public record SetState(int maxelem, SortedMap<Ipv4Network, Fwmark> members, int unreadable) {
        public SetState {
            members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
        }

        /**
         * The hash size a hash:net set of {@code members} entries is created with: the size the kernel grows it to
         * anyway (about 2 entries a bucket: 524,288 for 1,000,001 members, seen with ipset 7.17 on kernel 6.18), so
         * that a restore does not rehash the whole set at every doubling on the way up from 1024 (ipset's default,
         * kept up to 2,048 members). Decision 121.
         */
        public static int hashsizeFor(int members) {
            long want = Long.highestOneBit(Math.max(1, (long) members) * 2 - 1) / 2;
            return (int) Math.max(1024, Math.min(want, 1 << 26));
        }
    }

    public KernelState withServices(SortedMap<Fwmark, IpvsService> s) {
        return new KernelState(set, tempSetExists, chainExists, chainRules, jumps, s);
    }

    /** This state with another steering set (the fast path's client edits, decision 127). */
    public KernelState withSet(SetState s) {
        return new KernelState(s, tempSetExists, chainExists, chainRules, jumps, services);
    }

    public KernelState withoutIpvs() {
        return withServices(new TreeMap<>());
    }
}
