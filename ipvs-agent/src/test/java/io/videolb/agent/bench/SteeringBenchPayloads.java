package io.videolb.agent.bench;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.plan.Change;
import io.videolb.agent.plan.Plan;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.agent.render.Step;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the payloads of the steering benchmark ({@code ipvs-agent/bench/steering-bench.sh}) for N
 * clients, so that the benchmark measures what the product applies, not a hand-written imitation:
 * <ul>
 *   <li>{@code install.ipset}, {@code install.iptables}: the agent's own plan (desired x empty kernel,
 *       IPVS left out: the bench kernel has none) rendered by the agent's {@link Renderer}; the agent
 *       applies them with {@code ipset restore} and {@code iptables-restore --noflush};</li>
 *   <li>{@code change.ipset}: the agent's plan for moving the middle client to mark 0x7f when the
 *       kernel already holds the N clients (an in-place {@code add ... -exist});</li>
 *   <li>{@code perrule.args}: the original design, one line "IP MARK" per client in file order
 *       (2 {@code iptables -A} calls per line, then the default rule);</li>
 *   <li>{@code perrule.rules}: the same original layout as one {@code iptables-restore} file, used
 *       only to preload it quickly (per-packet cost does not depend on how rules were installed);</li>
 *   <li>{@code change.meta}: the middle client, its old mark and the new one.</li>
 * </ul>
 * Client i &lt; N-1 is a filler: the first 131,070 from 198.18.0.0/15 (RFC 2544: 198.18.0.1 upwards), the
 * next ones from 100.64.0.0/10 (RFC 6598 shared address space: 100.64.0.1 upwards), so that N reaches
 * {@value #MAX_CLIENTS}. Fillers are rule content only: no packet is ever sent to or from one. The last client is 203.0.113.10 with mark 0x42, the only address the traffic test sends from,
 * so it is matched at the END of the original linear chain. The clients' network 203.0.113.0/24
 * carries the default mark 0x1. VIP 192.0.2.10.
 *
 * <p>Usage: {@code SteeringBenchPayloads [--perrule-max M] OUTDIR N [N...]} writes OUTDIR/N/*; the {@code perrule.*}
 * files only for N &lt;= M (default: every N).
 */
public final class SteeringBenchPayloads {
    public static final Ipv4Address VIP = Ipv4Address.parse("192.0.2.10");
    public static final Ipv4Network CLIENT_NET = Ipv4Network.parse("203.0.113.0/24");
    public static final Ipv4Address TRAFFIC_CLIENT = Ipv4Address.parse("203.0.113.10");
    public static final Fwmark TRAFFIC_MARK = new Fwmark(0x42);
    public static final Fwmark DEFAULT_MARK = new Fwmark(0x1);
    public static final Fwmark NEW_MARK = new Fwmark(0x7f);
    static final int FILLER_BASE = Ipv4Address.parse("198.18.0.1").bits();
    /** 198.18.0.1 .. 198.19.255.254: the whole of 198.18.0.0/15 but its first and last address. */
    static final int FILLERS_198 = 131_070;
    /** 100.64.0.1 upwards (100.64.0.0/10 holds 4,194,304 addresses): the fillers after the first 131,070. */
    static final int FILLER_BASE_2 = Ipv4Address.parse("100.64.0.1").bits();
    /** Fillers stay inside 198.18.0.0/15 + 100.64.0.0/10; 2,000,000 is also config-service's default CSV row cap. */
    static final int MAX_CLIENTS = 2_000_000;

    private SteeringBenchPayloads() {}

    /** The files for one size, as text (name -> content). */
    public static Map<String, String> payloads(int n) {
        return payloads(n, true);
    }

    /**
     * @param perRule whether to write the original design's files too ({@code perrule.*}: 2N+1 rules, about 150 MB
     *     of text at 1M clients, for cells the benchmark skips there)
     */
    public static Map<String, String> payloads(int n, boolean perRule) {
        if (n < 2 || n > MAX_CLIENTS) throw new IllegalArgumentException("N must be 2.." + MAX_CLIENTS + ", got " + n);
        LinkedHashMap<Ipv4Address, Fwmark> clients = clients(n);
        DesiredState desired = desired(clients);
        Names names = Names.DEFAULT;
        Renderer renderer = new Renderer(names);

        KernelState installed = kernel(desired, names);
        List<Step> install = renderer.render(
                Planner.plan(installed, KernelState.EMPTY, Set.of()).withoutIpvs());
        Ipv4Address mid = new ArrayList<>(clients.keySet()).get(n / 2);
        Fwmark oldMark = clients.get(mid);
        KernelState changed = kernel(desired.withClient(Ipv4Network.host(mid), NEW_MARK), names);
        Plan changePlan = Planner.plan(changed, installed, Set.of()).withoutIpvs();
        if (changePlan.changes().size() != 1 || !(changePlan.changes().get(0) instanceof Change.SetUpdate)) {
            throw new IllegalStateException(
                    "expected the agent to plan one in-place set update, got " + changePlan.describe());
        }
        List<Step> change = renderer.render(changePlan);

        Map<String, String> out = new LinkedHashMap<>();
        out.put("install.ipset", only(install, Step.Tool.IPSET).payload());
        out.put("install.iptables", only(install, Step.Tool.IPTABLES).payload());
        out.put("change.ipset", only(change, Step.Tool.IPSET).payload());
        out.put("change.meta", mid + " " + oldMark.hex() + " " + NEW_MARK.hex() + "\n");
        if (!perRule) return out;
        StringBuilder args = new StringBuilder();
        StringBuilder rules = new StringBuilder("*mangle\n:PREROUTING ACCEPT [0:0]\n");
        clients.forEach((ip, m) -> {
            args.append(ip).append(' ').append(m.hex()).append('\n');
            for (int port : names.ports()) {
                rules.append("-A PREROUTING -s ")
                        .append(ip)
                        .append("/32 -p tcp -m tcp --dport ")
                        .append(port)
                        .append(" -j MARK --set-xmark ")
                        .append(m.hex())
                        .append("/0xffffffff\n");
            }
        });
        rules.append("-A PREROUTING -s ")
                .append(CLIENT_NET)
                .append(" -p tcp -m multiport --dports ")
                .append(names.portList())
                .append(" -m mark --mark 0x0 -j MARK --set-xmark ")
                .append(DEFAULT_MARK.hex())
                .append("/0xffffffff\nCOMMIT\n");
        out.put("perrule.args", args.toString());
        out.put("perrule.rules", rules.toString());
        return out;
    }

    static LinkedHashMap<Ipv4Address, Fwmark> clients(int n) {
        LinkedHashMap<Ipv4Address, Fwmark> clients = new LinkedHashMap<>();
        for (int i = 0; i < n - 1; i++) clients.put(filler(i), new Fwmark(0x10 + (i % 32)));
        clients.put(TRAFFIC_CLIENT, TRAFFIC_MARK);
        return clients;
    }

    /** Filler i: 198.18.0.1 + i for the first {@value #FILLERS_198}, then 100.64.0.1 upwards. */
    static Ipv4Address filler(int i) {
        return new Ipv4Address(i < FILLERS_198 ? FILLER_BASE + i : FILLER_BASE_2 + (i - FILLERS_198));
    }

    static DesiredState desired(Map<Ipv4Address, Fwmark> clients) {
        ClusterParams params = new ClusterParams(VIP, CLIENT_NET, List.of(), 300, DEFAULT_MARK, Scheduler.WLC);
        TreeMap<Ipv4Network, Fwmark> steering = new TreeMap<>();
        clients.forEach((ip, m) -> steering.put(Ipv4Network.host(ip), m));
        TreeMap<Fwmark, Pool> pools = new TreeMap<>();
        List<Fwmark> marks = new ArrayList<>(List.of(DEFAULT_MARK, TRAFFIC_MARK, NEW_MARK));
        for (int m = 0x10; m < 0x30; m++) marks.add(new Fwmark(m));
        for (Fwmark m : marks) {
            pools.put(
                    m,
                    new Pool(
                            m,
                            Scheduler.WLC,
                            List.of(new RealServer(Ipv4Address.of(198, 51, 100, (int) (m.value() % 250) + 1), 1))));
        }
        return new DesiredState(params, steering, pools, new TreeMap<>());
    }

    private static KernelState kernel(DesiredState desired, Names names) {
        return DesiredKernel.compute(desired, HealthView.ALL_UP, KernelState.EMPTY, Map.of(), 0L, Policy.DEFAULT, names)
                .state()
                .withoutIpvs();
    }

    private static Step only(List<Step> steps, Step.Tool tool) {
        List<Step> of = steps.stream().filter(s -> s.tool() == tool).toList();
        if (of.size() != 1) throw new IllegalStateException("expected one " + tool + " step, got " + of.size());
        return of.get(0);
    }

    public static void main(String[] args) throws IOException {
        int first = 0;
        int perRuleMax = Integer.MAX_VALUE;
        if (args.length > 1 && args[0].equals("--perrule-max")) {
            perRuleMax = Integer.parseInt(args[1]);
            first = 2;
        }
        if (args.length < first + 2) {
            System.err.println("usage: SteeringBenchPayloads [--perrule-max M] OUTDIR N [N...]");
            System.exit(2);
        }
        Path dir = Path.of(args[first]);
        for (int i = first + 1; i < args.length; i++) {
            int n = Integer.parseInt(args[i]);
            Path d = dir.resolve(Integer.toString(n));
            Files.createDirectories(d);
            for (Map.Entry<String, String> e : payloads(n, n <= perRuleMax).entrySet()) {
                Files.writeString(d.resolve(e.getKey()), e.getValue(), StandardCharsets.US_ASCII);
            }
        }
    }
}
