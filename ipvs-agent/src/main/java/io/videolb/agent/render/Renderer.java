package io.videolb.agent.render;

import io.videolb.agent.kernel.IpvsService;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
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
import io.videolb.agent.plan.Plan;
import io.videolb.agent.render.Step.Tool;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Turns a plan into restore payloads, built only from typed values (addresses, networks, marks,
 * scheduler enum, checked names). Consecutive changes for the same tool share one payload; the
 * order of the plan is kept. Every payload passes {@link PayloadChecker} here already, so a
 * payload that would be refused never leaves the renderer.
 */
public final class Renderer {
    private final Names names;
    private final PayloadChecker checker;

    public Renderer(Names names) {
        this.names = names;
        this.checker = new PayloadChecker(names);
    }

    public PayloadChecker checker() {
        return checker;
    }

    /**
     * The steps of a plan, in its order. A run of consecutive IPVS changes becomes one step per pool (fwmark), in the
     * order the pools first appear (pools are independent, and one refused pool must not take the others down with
     * it); a run of steering changes becomes one step per tool, as before.
     */
    public List<Step> render(Plan plan) {
        List<Step> steps = new ArrayList<>();
        List<Change> run = new ArrayList<>();
        Boolean ipvsRun = null;
        for (Change c : plan.changes()) {
            if (ipvsRun != null && c.ipvs() != ipvsRun) {
                flush(run, ipvsRun, steps);
                run = new ArrayList<>();
            }
            ipvsRun = c.ipvs();
            run.add(c);
        }
        if (!run.isEmpty()) flush(run, ipvsRun, steps);
        for (Step s : steps) checker.require(s);
        return steps;
    }

    private void flush(List<Change> run, boolean ipvsRun, List<Step> steps) {
        if (ipvsRun) {
            Map<Fwmark, List<Change>> byPool = new LinkedHashMap<>();
            for (Change c : run)
                byPool.computeIfAbsent(markOf(c), k -> new ArrayList<>()).add(c);
            byPool.forEach((mark, changes) -> steps.add(step(Tool.IPVS, changes, Step.poolUnit(mark))));
            return;
        }
        Tool tool = null;
        List<Change> group = new ArrayList<>();
        for (Change c : run) {
            Tool t = toolOf(c);
            if (tool != null && t != tool) {
                steps.add(step(tool, group, Step.STEERING));
                group = new ArrayList<>();
            }
            tool = t;
            group.add(c);
        }
        if (!group.isEmpty()) steps.add(step(tool, group, Step.STEERING));
    }

    /** The pool an IPVS change belongs to. */
    static Fwmark markOf(Change c) {
        if (c instanceof ServiceAdd a) return a.service().mark();
        if (c instanceof ServiceEdit e) return e.service().mark();
        if (c instanceof ServiceDelete d) return d.mark();
        if (c instanceof ServerAdd a) return a.mark();
        if (c instanceof ServerEdit e) return e.mark();
        if (c instanceof ServerDelete d) return d.mark();
        throw new IllegalArgumentException("not an IPVS change: " + c.getClass().getSimpleName());
    }

    private static Tool toolOf(Change c) {
        if (c.ipvs()) return Tool.IPVS;
        if (c instanceof ChainReplace || c instanceof JumpAdd || c instanceof JumpDelete || c instanceof ChainDelete)
            return Tool.IPTABLES;
        return Tool.IPSET;
    }

    private Step step(Tool tool, List<Change> changes, String unit) {
        List<String> lines = new ArrayList<>();
        int expected = 0;
        if (tool == Tool.IPTABLES) {
            lines.add("*mangle");
            expected += 2;
        }
        for (Change c : changes) {
            expected += expectedLines(c);
            lines.addAll(lines(c));
        }
        if (tool == Tool.IPTABLES) lines.add("COMMIT");
        return new Step(
                tool, lines, expected, changes.stream().map(Change::describe).toList(), unit);
    }

    /** Counted from the typed change alone, never from the text. */
    static int expectedLines(Change c) {
        if (c instanceof SetCreate sc) return 1 + sc.members().size();
        if (c instanceof SetReplace sr)
            return (sr.staleTempExists() ? 1 : 0) + 1 + sr.members().size() + 2;
        if (c instanceof SetUpdate su) return su.put().size() + su.delete().size();
        if (c instanceof ChainReplace cr) return 1 + cr.rules().size();
        if (c instanceof JumpDelete jd) return jd.count();
        if (c instanceof ChainDelete) return 2;
        return 1;
    }

    private List<String> lines(Change c) {
        List<String> out = new ArrayList<>();
        String set = names.set();
        String tmp = names.tempSet();
        String chain = names.chain();
        if (c instanceof ServiceAdd a) {
            out.add("-A " + service(a.service()));
        } else if (c instanceof ServiceEdit e) {
            out.add("-E " + service(e.service()));
        } else if (c instanceof ServiceDelete d) {
            out.add("-D -f " + mark(d.mark()));
        } else if (c instanceof ServerAdd a) {
            out.add("-a -f " + mark(a.mark()) + " -r " + a.server() + " -g -w " + weight(a.weight()));
        } else if (c instanceof ServerEdit e) {
            out.add("-e -f " + mark(e.mark()) + " -r " + e.server() + " -g -w " + weight(e.weight()));
        } else if (c instanceof ServerDelete d) {
            out.add("-d -f " + mark(d.mark()) + " -r " + d.server());
        } else if (c instanceof SetCreate sc) {
            out.add(create(set, sc.maxelem(), sc.members().size()));
            members(out, set, sc.members(), false);
        } else if (c instanceof SetReplace sr) {
            if (sr.staleTempExists()) out.add("destroy " + tmp);
            out.add(create(tmp, sr.maxelem(), sr.members().size()));
            members(out, tmp, sr.members(), false);
            out.add("swap " + tmp + " " + set);
            out.add("destroy " + tmp);
        } else if (c instanceof SetUpdate su) {
            members(out, set, su.put(), true);
            for (Ipv4Network n : su.delete()) out.add("del " + set + " " + net(n) + " -exist");
        } else if (c instanceof TempSetDestroy) {
            out.add("destroy " + tmp);
        } else if (c instanceof SetDestroy) {
            out.add("destroy " + set);
        } else if (c instanceof ChainReplace cr) {
            out.add(":" + chain + " - [0:0]");
            for (String r : cr.rules()) out.add("-A " + chain + " " + r);
        } else if (c instanceof JumpAdd) {
            out.add("-I PREROUTING 1 -j " + chain);
        } else if (c instanceof JumpDelete jd) {
            for (int i = 0; i < jd.count(); i++) out.add("-D PREROUTING -j " + chain);
        } else if (c instanceof ChainDelete) {
            out.add(":" + chain + " - [0:0]");
            out.add("-X " + chain);
        } else {
            throw new IllegalStateException("no rendering for " + c.getClass().getSimpleName());
        }
        return out;
    }

    private static String service(IpvsService s) {
        if (s.scheduler() == null)
            throw new PayloadChecker.RefusedPayloadException("service " + s.mark() + " has no scheduler");
        return "-f " + mark(s.mark()) + " -s " + s.scheduler().ipvsName()
                + (s.persistenceSeconds() > 0 ? " -p " + s.persistenceSeconds() : "");
    }

    private static String create(String set, int maxelem, int members) {
        return "create " + set + " hash:net family inet hashsize " + KernelState.SetState.hashsizeFor(members)
                + " maxelem " + maxelem + " skbinfo";
    }

    private static void members(List<String> out, String set, SortedMap<Ipv4Network, Fwmark> members, boolean exist) {
        for (Map.Entry<Ipv4Network, Fwmark> e : members.entrySet()) {
            out.add("add " + set + " " + net(e.getKey()) + " skbmark "
                    + e.getValue().hex() + (exist ? " -exist" : ""));
        }
    }

    /** ipset prints /32 members without a prefix; we write them the same way. */
    private static String net(Ipv4Network n) {
        return n.isHost() ? n.address().toString() : n.toString();
    }

    private static String mark(Fwmark m) {
        return Long.toString(new Fwmark(m.value()).value());
    }

    private static String weight(int w) {
        if (w < 0) throw new PayloadChecker.RefusedPayloadException("negative weight " + w);
        return Integer.toString(w);
    }
}
