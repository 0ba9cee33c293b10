package io.videolb.testsupport.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Proves the IPVS VM harness and the lab (tools/ipvs-vm/lab.sh) on a real IPVS kernel, without any
 * videolb service: ONE VM boot builds the lab, applies hand-made steering (ipset hash:net with
 * skbinfo marks + one mangle rule) and fwmark services in DR mode, and checks real connections.
 *
 * <p>This is the template for later VM tests: the test writes restore payloads into a run folder
 * under target/ (shared read-write with the VM), runs a scenario script in the VM that prints
 * {@code @key value} facts, and asserts on the facts here. The agent's end-to-end test replaces
 * the hand-made payloads with the real agent (reaching the host's broker through
 * {@link IpvsVm.Builder#forward}).
 *
 * <p>Data: the seed CSV files of the design brief (VIP 198.51.100.10, clients 203.0.113.21 -> mark
 * 10, .22/.23 -> 20, default mark 50 for 203.0.113.0/24; pools 10: 192.0.2.11 rr, 20: .12 .13 wlc,
 * 50: .14 rr; backup of .11 is .21; persistence 60 s).
 */
class IpvsLabIT {

    static final String VIP = "198.51.100.10";
    static final String SET = "videolb-clients";
    static final String CHAIN = "VIDEOLB-STEER";
    static final int PERSISTENCE = 60;

    /** client (address or CIDR) -> mark; the /24 is the clients' network with the default mark. */
    static final Map<String, Long> CLIENT_MARKS = new LinkedHashMap<>();
    /** mark -> scheduler and real servers. */
    static final Map<Long, Pool> POOLS = new LinkedHashMap<>();

    record Pool(String scheduler, List<String> servers) {}

    static {
        CLIENT_MARKS.put("203.0.113.0/24", 50L);
        CLIENT_MARKS.put("203.0.113.21", 10L);
        CLIENT_MARKS.put("203.0.113.22", 20L);
        CLIENT_MARKS.put("203.0.113.23", 20L);
        POOLS.put(10L, new Pool("rr", List.of("192.0.2.11")));
        POOLS.put(20L, new Pool("wlc", List.of("192.0.2.12", "192.0.2.13")));
        POOLS.put(50L, new Pool("rr", List.of("192.0.2.14")));
    }

    @Test
    void drFwmarkSteeringOnARealIpvsKernel() throws Exception {
        Path run = Paths.get("target", "ipvs-lab-it").toAbsolutePath();
        Files.createDirectories(run);
        List<String> ipvsRules = ipvsRules();
        Files.writeString(run.resolve("steering.ipset"), ipsetRestore(), StandardCharsets.US_ASCII);
        Files.writeString(run.resolve("steering.iptables"), iptablesRestore(), StandardCharsets.US_ASCII);
        Files.writeString(run.resolve("services.ipvs"), String.join("\n", ipvsRules) + "\n", StandardCharsets.US_ASCII);

        IpvsVm vm = IpvsVm.builder().timeout(Duration.ofMinutes(3)).build();
        IpvsVm.Result r = vm.run(
                "IpvsLabIT",
                "bash",
                IpvsVm.resource(IpvsLabIT.class, "ipvs-lab-it.sh").toString(),
                run.toString());
        r.assertSuccess();
        ScenarioFacts f = new ScenarioFacts(r.lines());

        assertThat(f.all("applied")).containsExactly("ipset ok", "iptables ok", "ipvs ok");
        assertThat(f.one("rules-in-chain")).as("ONE steering rule in our chain").isEqualTo("1");

        // every connection lands on a server of the client's mark, and the server saw the client's address
        assertThat(f.all("conn")).hasSize(10).allSatisfy(c -> assertThat(c).doesNotContain("FAIL"));
        assertThat(f.all("conn"))
                .contains(
                        "203.0.113.21 1935 rs11 1935 203.0.113.21",
                        "203.0.113.21 8080 rs11 8080 203.0.113.21",
                        "203.0.113.99 1935 rs14 1935 203.0.113.99", // default mark of the clients' network
                        "203.0.113.99 8080 rs14 8080 203.0.113.99");
        for (String client : List.of("203.0.113.22", "203.0.113.23")) {
            Set<String> servers = f.all("conn").stream()
                    .filter(c -> c.startsWith(client + " "))
                    .map(c -> c.split(" ")[2])
                    .collect(Collectors.toSet());
            assertThat(servers)
                    .as("mark 20 pool, one server for RTMP and HLS (persistence) for " + client)
                    .hasSize(1)
                    .isSubsetOf(Set.of("rs12", "rs13"));
        }

        // DR: the director saw the inbound packets only, the replies came from the real servers' MACs
        Map<String, long[]> stats = new LinkedHashMap<>();
        for (String s : f.all("stats")) {
            String[] w = s.split(" ");
            stats.put(w[0], new long[] {Long.parseLong(w[1]), Long.parseLong(w[2]), Long.parseLong(w[3])});
        }
        assertThat(stats.keySet()).containsExactlyInAnyOrder("10", "20", "50");
        assertThat(stats.values()).allSatisfy(v -> {
            assertThat(v[1]).as("InPkts").isPositive();
            assertThat(v[2]).as("OutPkts (DR: replies bypass the director)").isZero();
        });
        Map<String, Long> counters = new LinkedHashMap<>();
        for (String c : f.all("counter")) {
            counters.put(c.split(" ")[0], Long.parseLong(c.split(" ")[1]));
        }
        assertThat(counters.get("from-rs11"))
                .as("VIP replies from rs11's MAC at the router")
                .isPositive();
        assertThat(counters.get("from-rs14"))
                .as("VIP replies from rs14's MAC at the router")
                .isPositive();
        assertThat(counters.get("from-director"))
                .as("VIP replies from the director's MAC")
                .isZero();
        assertThat(counters.get("from-other")).isZero();

        // other ports of the VIP are not marked: no service, the director itself refuses
        assertThat(f.one("other-port")).isEqualTo("203.0.113.21 9999 FAIL connect-refused");

        // ipvsadm -Sn prints what we restored, and restoring its output gives the same table
        assertThat(f.all("save")).containsExactlyInAnyOrderElementsOf(ipvsRules);
        assertThat(f.one("roundtrip")).isEqualTo("same");

        // lab: kill-server refuses, the backup takes over once swapped in, revive-server answers again
        assertThat(f.one("after-kill")).isEqualTo("203.0.113.21 1935 FAIL connect-refused");
        assertThat(f.one("after-swap")).isEqualTo("203.0.113.21 1935 rs21 1935 203.0.113.21");
        assertThat(f.one("revived-direct")).isEqualTo("203.0.113.21 1935 rs11 1935 203.0.113.21");

        System.out.println("IpvsLabIT timings: " + f.all("timing") + ", whole VM run "
                + r.elapsed().toMillis() + " ms");
    }

    static String ipsetRestore() {
        StringBuilder b = new StringBuilder();
        b.append("create ").append(SET).append(" hash:net family inet hashsize 64 maxelem 1024 skbinfo\n");
        // longest prefix wins in hash:net, so the /24 (default mark) and the /32 clients coexist
        CLIENT_MARKS.forEach((net, mark) -> b.append("add ")
                .append(SET)
                .append(' ')
                .append(net)
                .append(" skbmark 0x")
                .append(Long.toHexString(mark))
                .append('\n'));
        return b.toString();
    }

    static String iptablesRestore() {
        return "*mangle\n"
                + ":" + CHAIN + " - [0:0]\n"
                + "-A PREROUTING -j " + CHAIN + "\n"
                + "-A " + CHAIN + " -d " + VIP + "/32 -p tcp -m multiport --dports 1935,8080 -m set --match-set " + SET
                + " src -j SET --map-set " + SET + " src --map-mark\n"
                + "COMMIT\n";
    }

    /** In the exact form {@code ipvsadm -Sn} prints it. */
    static List<String> ipvsRules() {
        List<String> l = new ArrayList<>();
        POOLS.forEach((mark, pool) -> {
            l.add("-A -f " + mark + " -s " + pool.scheduler() + " -p " + PERSISTENCE);
            for (String rip : pool.servers()) {
                l.add("-a -f " + mark + " -r " + rip + ":0 -g -w 1");
            }
        });
        return l;
    }
}
