package io.videolb.agent.bench;

import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.ProcessCommandRunner;
import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.observed.Parsers;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The agent's own Java work at N clients, for the steering benchmark: run INSIDE the benchmark's director namespace
 * after the ipset path's install ({@code ip netns exec NS java ... AgentReadBench N REPS DIR}). Per repetition it
 * times, with the product's classes:
 *
 * <ul>
 *   <li>{@code read}: {@link Kernel#read} (steering part: {@code ipset list -n}, {@code ipset save SET},
 *       {@code iptables-save -t mangle} through the agent's {@link ProcessCommandRunner}, and their parsing);
 *   <li>{@code parse}: {@link Parsers#ipsetSave} alone, on the text {@code ipset save} printed;
 *   <li>{@code parse_before}: the same text through the parser as it was before issue 11 (a copy, below), checked to
 *       read the same set;
 *   <li>{@code plan}: what a reconcile computes for moving the middle client to a new mark with that kernel observed
 *       ({@link DesiredKernel#compute}, {@link Planner#plan} twice as the reconciler does: drift and plan, then
 *       {@link Renderer#render});
 *   <li>{@code reboot}: {@link RebootFiles#write} of the applied state into DIR (merged with the file already
 *       there, as after every apply; fsync + rename).
 * </ul>
 *
 * It prints "key seconds" lines (one per repetition) and {@code heap_mb}: the heap in use, after a GC, while the
 * desired and the observed state are held (what a reconcile at N keeps alive). Nothing here changes the kernel.
 */
public final class AgentReadBench {
    private AgentReadBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: AgentReadBench N REPS DIR");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        int reps = Math.min(9, Integer.parseInt(args[1]));
        Path dir = Path.of(args[2]);
        Names names = Names.DEFAULT;
        Kernel kernel = new Kernel(new ProcessCommandRunner(), Tools.DEFAULT, names);
        KernelCapabilities caps = new KernelCapabilities(true, false, "bench: steering only");
        DesiredState desired = SteeringBenchPayloads.desired(SteeringBenchPayloads.clients(n));
        Ipv4Address mid = new ArrayList<>(SteeringBenchPayloads.clients(n).keySet()).get(n / 2);
        DesiredState moved = desired.withClient(Ipv4Network.host(mid), SteeringBenchPayloads.NEW_MARK);
        Renderer renderer = new Renderer(names);
        RebootFiles reboot = new RebootFiles(null, dir.resolve("rules.v4"), dir.resolve("ipset.rules"), names);
        KernelState observed = null;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            observed = kernel.read(caps);
            long t1 = System.nanoTime();
            String text = kernel.command(List.of("ipset", "save", names.set()));
            long t2 = System.nanoTime();
            KernelState.SetState parsed = Parsers.ipsetSave(text, names.set());
            long t3 = System.nanoTime();
            KernelState.SetState before = ipsetSaveBefore(text, names.set());
            long t3b = System.nanoTime();
            if (!before.equals(parsed)) throw new IllegalStateException("the parser before issue 11 reads otherwise");
            before = null;
            text = null;
            KernelState installed = DesiredKernel.compute(
                            desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), 0L, Policy.DEFAULT, names)
                    .state()
                    .withoutIpvs();
            long t4 = System.nanoTime();
            DesiredKernel dk = DesiredKernel.compute(
                    moved, HealthView.ALL_UP, observed, Map.of(), 0L, Policy.DEFAULT, names, Set.of());
            List<String> drift = Planner.plan(installed, observed, Set.of()).describe();
            Plan plan = Planner.plan(dk.state().withoutIpvs(), observed, Set.of());
            List<Step> steps = renderer.render(plan);
            long t5 = System.nanoTime();
            reboot.write(dk.state().withoutIpvs());
            long t6 = System.nanoTime();
            if (observed.set() == null
                    || observed.set().members().size() != n + 1
                    || parsed.members().size() != n + 1)
                throw new IllegalStateException("expected " + (n + 1) + " set members in the kernel");
            if (!drift.isEmpty() || steps.size() != 1)
                throw new IllegalStateException("expected no drift and one step, got " + drift + " / " + steps);
            System.out.println("read " + sec(t1 - t0));
            System.out.println("save_only " + sec(t2 - t1));
            System.out.println("parse " + sec(t3 - t2));
            System.out.println("parse_before " + sec(t3b - t3));
            System.out.println("plan " + sec(t5 - t4));
            System.out.println("reboot " + sec(t6 - t5));
        }
        System.out.println("reboot_file_mb " + Files.size(dir.resolve("ipset.rules")) / 1_000_000);
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long used = rt.totalMemory() - rt.freeMemory();
        System.out.println("heap_mb " + used / 1_000_000);
        if (observed.set().members().isEmpty() || desired.clients().isEmpty()) System.out.println("unreachable");
    }

    /** {@link Parsers#ipsetSave} as it was before issue 11 (a regular expression per line), for the side by side. */
    static KernelState.SetState ipsetSaveBefore(String text, String set) {
        int maxelem = 65536;
        java.util.TreeMap<Ipv4Network, io.videolb.model.Fwmark> members = new java.util.TreeMap<>();
        int unreadable = 0;
        boolean created = false;
        for (String raw : text.split("\n")) {
            String[] t = raw.trim().split("\\s+");
            if (t.length < 2 || !t[1].equals(set)) continue;
            if (t[0].equals("create")) {
                created = true;
                boolean ok = t.length > 2 && t[2].equals("hash:net");
                boolean skb = false;
                for (int i = 3; i < t.length; i++) {
                    if (t[i].equals("maxelem") && i + 1 < t.length && t[i + 1].matches("[0-9]{1,10}"))
                        maxelem = (int) Math.min(Integer.MAX_VALUE, Long.parseLong(t[++i]));
                    if (t[i].equals("skbinfo")) skb = true;
                }
                if (!ok || !skb) unreadable++;
            } else if (t[0].equals("add")) {
                try {
                    if (t.length != 5 || !t[3].equals("skbmark") || !t[4].matches("0x[0-9a-f]{1,8}"))
                        throw new IllegalArgumentException();
                    members.put(
                            Ipv4Network.parse(t[2]),
                            new io.videolb.model.Fwmark(Long.parseLong(t[4].substring(2), 16)));
                } catch (RuntimeException e) {
                    unreadable++;
                }
            }
        }
        return created ? new KernelState.SetState(maxelem, members, unreadable) : null;
    }

    private static String sec(long nanos) {
        return String.format("%.4f", nanos / 1e9);
    }
}
