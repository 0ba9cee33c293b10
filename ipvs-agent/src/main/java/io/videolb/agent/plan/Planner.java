package io.videolb.agent.plan;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.IpvsService.RealServerState;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.plan.Change.ChainDelete;
import io.videolb.agent.plan.Change.ChainReplace;
import io.videolb.agent.plan.Change.JumpAdd;
import io.videolb.agent.plan.Change.JumpDelete;
import io.videolb.agent.plan.Change.ServerAdd;
import io.videolb.agent.plan.Change.ServerDelete;
import io.videolb.agent.plan.Change.ServerEdit;
import io.videolb.agent.plan.Change.ServiceAdd;
import io.videolb.agent.plan.Change.ServiceDelete;
import io.videolb.agent.plan.Change.ServiceEdit;
import io.videolb.agent.plan.Change.SetCreate;
import io.videolb.agent.plan.Change.SetDestroy;
import io.videolb.agent.plan.Change.SetReplace;
import io.videolb.agent.plan.Change.SetUpdate;
import io.videolb.agent.plan.Change.TempSetDestroy;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The pure diff: desired x observed -> the smallest list of typed changes. Adds go service ->
 * real servers -> set -> rule; deletes go the other way. Only objects videolb owns are touched:
 * our chain, our sets, and fwmark services whose mark is desired or was created by videolb
 * ({@code owned}); a foreign fwmark service is never deleted.
 */
public final class Planner {
    /** Above this many member changes (or a tenth of the set) the set is replaced atomically instead of edited in place. */
    public static final int MAX_IN_PLACE = 256;

    private Planner() {}

    public static Plan plan(KernelState desired, KernelState observed, Set<Fwmark> owned) {
        List<Change> adds = new ArrayList<>();
        List<Change> deletes = new ArrayList<>();
        // services, then real servers
        List<Change> serverAdds = new ArrayList<>();
        for (IpvsService want : desired.services().values()) {
            IpvsService have = observed.services().get(want.mark());
            if (have == null) {
                adds.add(new ServiceAdd(want));
                want.servers().forEach((a, st) -> serverAdds.add(new ServerAdd(want.mark(), a, st.weight())));
                continue;
            }
            if (!want.sameSettings(have)) adds.add(new ServiceEdit(want));
            for (Map.Entry<Ipv4Address, RealServerState> e : want.servers().entrySet()) {
                RealServerState h = have.servers().get(e.getKey());
                if (h == null)
                    serverAdds.add(
                            new ServerAdd(want.mark(), e.getKey(), e.getValue().weight()));
                else if (h.weight() != e.getValue().weight() || !h.directRouting())
                    serverAdds.add(
                            new ServerEdit(want.mark(), e.getKey(), e.getValue().weight()));
            }
            for (Ipv4Address a : have.servers().keySet()) {
                if (!want.servers().containsKey(a)) deletes.add(new ServerDelete(want.mark(), a));
            }
        }
        adds.addAll(serverAdds);
        // steering set
        KernelState.SetState ws = desired.set();
        KernelState.SetState hs = observed.set();
        if (ws != null) {
            if (hs == null) {
                adds.add(new SetCreate(ws.maxelem(), ws.members()));
                if (observed.tempSetExists()) adds.add(new TempSetDestroy());
            } else if (hs.unreadable() > 0 || hs.maxelem() < ws.maxelem()) {
                adds.add(new SetReplace(ws.maxelem(), ws.members(), observed.tempSetExists()));
            } else {
                TreeMap<Ipv4Network, Fwmark> put = new TreeMap<>();
                ws.members().forEach((n, m) -> {
                    if (!m.equals(hs.members().get(n))) put.put(n, m);
                });
                List<Ipv4Network> del = new ArrayList<>();
                for (Ipv4Network n : hs.members().keySet()) if (!ws.members().containsKey(n)) del.add(n);
                int changes = put.size() + del.size();
                if (changes > Math.max(MAX_IN_PLACE, ws.members().size() / 10)) {
                    adds.add(new SetReplace(ws.maxelem(), ws.members(), observed.tempSetExists()));
                } else {
                    if (changes > 0) adds.add(new SetUpdate(put, del));
                    if (observed.tempSetExists()) adds.add(new TempSetDestroy());
                }
            }
        }
        // chain and the jump to it
        if (desired.chainExists()) {
            if (!observed.chainExists() || !observed.chainRules().equals(desired.chainRules()))
                adds.add(new ChainReplace(desired.chainRules()));
            if (observed.jumps() == 0) adds.add(new JumpAdd());
            else if (observed.jumps() > 1) adds.add(new JumpDelete(observed.jumps() - 1));
        }
        // services we own that are no longer desired: last
        for (IpvsService have : observed.services().values()) {
            if (!desired.services().containsKey(have.mark()) && owned.contains(have.mark()))
                deletes.add(new ServiceDelete(have.mark()));
        }
        List<Change> all = new ArrayList<>(adds);
        all.addAll(deletes);
        return new Plan(all);
    }

    /** Everything videolb owns, removed in reverse order: jumps, chain, sets, then our fwmark services. Foreign objects stay. */
    public static Plan cleanup(KernelState observed, Set<Fwmark> owned) {
        List<Change> out = new ArrayList<>();
        if (observed.jumps() > 0) out.add(new JumpDelete(observed.jumps()));
        if (observed.chainExists()) out.add(new ChainDelete());
        if (observed.set() != null) out.add(new SetDestroy());
        if (observed.tempSetExists()) out.add(new TempSetDestroy());
        for (IpvsService s : observed.services().values()) {
            if (owned.contains(s.mark())) out.add(new ServiceDelete(s.mark()));
        }
        return new Plan(out);
    }
}
