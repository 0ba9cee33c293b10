package io.videolb.agent.bench;

import io.videolb.agent.Fixtures;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.loop.ClientFastPath;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.GenerationMarker;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The client fast path's decision at N clients (decision 127): one client moved in a generation of N, the decision
 * (non-client parts compared, the client maps walked) timed REPS times, and beside it one copy of the applied set (what
 * the merge of the fast edits costs the next full run). Pure Java, no kernel:
 * {@code java -cp TEST_CLASSPATH io.videolb.agent.bench.ClientFastPathBench 1000000 20}.
 */
public final class ClientFastPathBench {
    private ClientFastPathBench() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        DesiredState base = Fixtures.cluster();
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>();
        for (int i = 0; i < n; i++)
            clients.put(new Ipv4Network(new Ipv4Address(0x0A000000 + i), 32), new Fwmark(1 + i % 2));
        DesiredState before = new DesiredState(base.params(), clients, base.pools(), base.backups());
        KernelState applied = DesiredKernel.compute(
                        before, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), 0, Policy.DEFAULT, Names.DEFAULT)
                .state();
        double[] decide = new double[reps];
        double[] walk = new double[reps];
        for (int r = 0; r < reps; r++) {
            Ipv4Network moved = new Ipv4Network(new Ipv4Address(0x0A000000 + (r * 7919) % n), 32);
            DesiredState after = before.withClient(
                    moved, new Fwmark(before.clients().get(moved).value() == 1 ? 2 : 1));
            DesiredSnapshot snap = new DesiredSnapshot(2, after, new GenerationMarker(2, "x", 0, 0, "b", "b", 0));
            long t0 = System.nanoTime();
            ClientFastPath.Decision d =
                    ClientFastPath.decide(applied, before, 1, HealthView.ALL_UP, snap, HealthView.ALL_UP, true);
            long t1 = System.nanoTime();
            if (!(d instanceof ClientFastPath.Edits e) || e.size() != 1) throw new IllegalStateException("" + d);
            long t2 = System.nanoTime();
            KernelState.SetState copy =
                    new KernelState.SetState(0, new TreeMap<>(applied.set().members()), 0);
            long t3 = System.nanoTime();
            if (copy.members().size() != n + 1) throw new IllegalStateException("copy");
            decide[r] = (t1 - t0) / 1e6;
            walk[r] = (t3 - t2) / 1e6;
        }
        Arrays.sort(decide);
        Arrays.sort(walk);
        System.out.printf(
                "%d clients, %d reps: decision (compare, walk) p50 %.1f ms, max %.1f ms; a copy of the applied set (the"
                        + " merge the next full run makes) p50 %.1f ms, max %.1f ms%n",
                n, reps, decide[reps / 2], decide[reps - 1], walk[reps / 2], walk[reps - 1]);
    }
}
