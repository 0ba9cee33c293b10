package io.videolb.agent.e2e;

import static io.videolb.agent.e2e.TestPublisher.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.events.Topics;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.runtime.ExitCode;
import io.videolb.testsupport.kafka.SharedBroker;
import io.videolb.testsupport.vm.IpvsVm;
import io.videolb.testsupport.vm.ScenarioFacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The REAL agent process ({@code io.videolb.agent.AgentMain}) on a real IPVS kernel: one qemu VM
 * (tools/ipvs-vm, Debian's kernel) with the LVS/DR lab of lab.sh; the agent runs in the director
 * (the VM's root namespace) and reads the desired and health topics from the embedded broker of
 * this test JVM through the restricted forward 10.0.2.100:9093. The scenario runs in the VM
 * ({@code ipvs-agent-vm-it.sh}); this test publishes to Kafka when the script asks (file cues in the
 * shared run folder) and asserts on the facts it prints. See docs/ipvs-agent.md, "Proven on a real kernel".
 */
class IpvsAgentVmIT {
    static final int BIG = Integer.getInteger("videolb.vmit.clients", 15_000);
    /** round:log text before the payload it kills:delay after that line (seconds). */
    static final String KILL_POINTS = System.getProperty("videolb.vmit.killpoints", "1:IPVS:0 2:IPSET:0 3:IPSET:0.5");

    final Map<Integer, String> expectedMembers = new ConcurrentHashMap<>();
    final Map<Integer, List<String>> expectedIpvs = new ConcurrentHashMap<>();
    final Map<Integer, Long> generations = new ConcurrentHashMap<>();

    @Test
    void theRealAgentDrivesARealIpvsKernelThroughFailoverCrashesAndReboots() throws Exception {
        long t0 = System.nanoTime();
        DesiredState example = readExamples();
        Topics topics = SharedBroker.freshTopics("agent-vm");
        Path run = IpvsVm.freshRunDir("ipvs-agent-vm-it");
        Files.createDirectories(run.resolve("cue"));
        Files.createDirectories(run.resolve("ack"));

        Map<String, String> env = new LinkedHashMap<>();
        env.put("VIDEOLB_BOOTSTRAP", SharedBroker.VM_ADVERTISED_HOST + ":" + SharedBroker.VM_ADVERTISED_PORT);
        env.put("VIDEOLB_TOPIC_PREFIX", topics.prefix());
        env.put("VIDEOLB_DIRECTOR", "vm-director");
        env.put("VIDEOLB_STATE_DIR", "/tmp/videolb/state");
        env.put("VIDEOLB_IPVS_RULES", "/tmp/videolb/etc/ipvsadm.rules");
        env.put("VIDEOLB_IPTABLES_RULES", "/tmp/videolb/etc/iptables/rules.v4");
        env.put("VIDEOLB_IPSET_RULES", "/tmp/videolb/etc/iptables/ipsets");
        env.put("VIDEOLB_SYNC_ROLE", "master");
        env.put("VIDEOLB_SYNC_IFACE", "lan0");
        env.put("VIDEOLB_SYNC_ID", "7");
        env.put("VIDEOLB_HTTP_HOST", "127.0.0.1");
        env.put("VIDEOLB_HTTP_PORT", "9102");
        env.put("VIDEOLB_HOLD_DOWN_S", "5");
        env.put("VIDEOLB_DRAIN_TIMEOUT_S", "20");
        env.put("KILL_POINTS", KILL_POINTS);
        writeAgentEnv(run.resolve("agent.env"), env);
        Files.writeString(run.resolve("classpath.txt"), classpath(), StandardCharsets.UTF_8);
        Files.writeString(
                run.resolve("java.txt"),
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                StandardCharsets.UTF_8);

        TestPublisher pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
        long g1 = pub.publish(example);
        expectedMembers.put(0, membersDigest(example));
        long setup = (System.nanoTime() - t0) / 1_000_000;

        Thread cues = new Thread(
                () -> VmCues.serve(run, name -> act(name, pub, example), () -> Thread.sleep(100)), "vm-cues");
        cues.setDaemon(true);
        cues.start();
        IpvsVm.Result r;
        try {
            IpvsVm vm = IpvsVm.builder()
                    // a bound, not a speed goal: 220-330 s on an unloaded 2-core machine; a CI run at load ~4 (two
                    // builds) took 540 s to reach its last step under emulation
                    .timeout(Duration.ofMinutes(14))
                    .forward(
                            SharedBroker.VM_ADVERTISED_HOST,
                            SharedBroker.VM_ADVERTISED_PORT,
                            SharedBroker.vmListenerPort())
                    .env("IPVS_VM_MEM", "1536")
                    // two emulated vCPUs, as StandaloneVmIT (decision 119): five agent JVM starts are most of its time
                    .env("IPVS_VM_CPUS", "2")
                    .build();
            r = vm.run(
                    "IpvsAgentVmIT",
                    "bash",
                    IpvsVm.resource(IpvsAgentVmIT.class, "ipvs-agent-vm-it.sh").toString(),
                    run.toString());
        } finally {
            cues.interrupt();
            pub.close();
        }
        r.assertSuccess();
        ScenarioFacts f = new ScenarioFacts(r.lines());
        assertThat(g1).isEqualTo(1);

        // (i) the example CSVs -> fwmark DR services; a real connection lands where the mark says
        assertThat(f.all("gen1")).containsExactlyInAnyOrderElementsOf(ipvsLines(example));
        assertThat(f.one("gen1-members"))
                .isEqualTo(expectedMembers.get(0) + " " + (example.clients().size() + 1));
        assertThat(f.one("gen1-sets")).isEqualTo("videolb-clients");
        assertThat(f.one("gen1-rules")).as("one rule in our chain, one jump").isEqualTo("1 1");
        assertThat(f.all("conn1"))
                .contains(
                        "203.0.113.21 1935 rs11 1935 203.0.113.21",
                        "203.0.113.21 8080 rs11 8080 203.0.113.21",
                        "203.0.113.99 1935 rs14 1935 203.0.113.99", // default mark 50 of the clients' network
                        "203.0.113.99 8080 rs14 8080 203.0.113.99")
                .noneMatch(c -> c.contains("FAIL"));
        assertThat(f.all("conn1"))
                .filteredOn(c -> c.startsWith("203.0.113.22 "))
                .singleElement()
                .asString()
                .matches("203\\.0\\.113\\.22 1935 rs1[23] .*");
        assertThat(f.all("counter")).contains("from-director 0").anyMatch(c -> c.matches("from-rs11 [1-9][0-9]*"));
        // (i b) the kernel's own counters on the agent's /metrics, per server, with the labels of node_exporter and
        // videolb's: the connections the lab just opened (rs11: 2 x 1935 + 1 x 8080, pool 20: one, rs14: two)
        Map<String, String> t1 = traffic(f.all("traffic1"));
        assertThat(value(t1, "10 192.0.2.11 node_ipvs_backend_connections_total"))
                .isEqualTo(3.0);
        assertThat(value(t1, "20 192.0.2.12 node_ipvs_backend_connections_total")
                        + value(t1, "20 192.0.2.13 node_ipvs_backend_connections_total"))
                .isEqualTo(1.0);
        assertThat(value(t1, "50 192.0.2.14 node_ipvs_backend_connections_total"))
                .isEqualTo(2.0);
        assertThat(value(t1, "10 192.0.2.11 node_ipvs_backend_incoming_packets_total"))
                .isPositive();
        assertThat(value(t1, "10 192.0.2.11 node_ipvs_backend_outgoing_packets_total"))
                .as("DR: the replies bypass the director")
                .isZero();
        assertThat(value(t1, "10 192.0.2.11 node_ipvs_backend_weight")).isEqualTo(1.0);
        assertThat(t1.get("10 192.0.2.11 node_ipvs_backend_connections_total"))
                .contains(
                        "local_address=\"\"",
                        "local_port=\"0\"",
                        "remote_address=\"192.0.2.11\"",
                        "remote_port=\"0\"",
                        "proto=\"FWM\"",
                        "local_mark=\"0000000A\"",
                        "pool=\"10\"",
                        "role=\"primary\"",
                        "draining=\"false\"",
                        "service=\"ipvs-agent\"");
        for (String k :
                f.all("traffic1-kernel")) { // "POOL SERVER ACTIVE INACTIVE" by ipvsadm -Ln just after the scrape
            String[] w = k.split(" ");
            assertThat(value(t1, w[0] + " " + w[1] + " node_ipvs_backend_connections_active"))
                    .as("ActiveConn " + k)
                    .isEqualTo(Double.parseDouble(w[2]));
            assertThat(value(t1, w[0] + " " + w[1] + " node_ipvs_backend_connections_inactive"))
                    .as("InActConn " + k)
                    .isEqualTo(Double.parseDouble(w[3]));
        }
        // the dashboard's kernel series and docs/metrics.md's IPVS rows against this real scrape of the agent (the host
        // check, OneRuntimeIT, has no IPVS)
        String scrape = Files.readString(run.resolve("metrics-1.txt"));
        Path repo = IpvsVm.toolsDir().getParent().getParent().toAbsolutePath();
        assertThat(io.videolb.testsupport.metrics.DashboardQueries.missing(
                        Files.readString(repo.resolve("deploy/grafana/videolb.json")),
                        io.videolb.testsupport.metrics.DashboardQueries.exposedNames(scrape),
                        n -> n.startsWith("node_ipvs_")))
                .as("dashboard queries naming a kernel series the agent does not expose")
                .isEmpty();
        var doc = io.videolb.testsupport.metrics.MetricsDoc.parse(Files.readString(repo.resolve("docs/metrics.md")));
        var families = io.videolb.testsupport.metrics.MetricsDoc.families(scrape);
        assertThat(families)
                .as("docs/metrics.md lists every family of the agent on a real kernel")
                .allSatisfy(n -> assertThat(doc.names("ipvs-agent")).contains(n));
        assertThat(families)
                .as("the families docs/metrics.md lists as IPVS-only")
                .containsAll(doc.when("ipvs-agent", "IPVS"));
        // the backup standing in for rs11 carries its two connections, labelled as the backup ...
        Map<String, String> t2 = traffic(f.all("traffic2"));
        assertThat(value(t2, "10 192.0.2.21 node_ipvs_backend_connections_total"))
                .isEqualTo(2.0);
        assertThat(t2.get("10 192.0.2.21 node_ipvs_backend_connections_total"))
                .contains("role=\"backup\"", "draining=\"false\"");
        // ... and as draining (weight 0, its held stream active) after the failback
        Map<String, String> t3 = traffic(f.all("traffic3"));
        assertThat(t3.get("10 192.0.2.21 node_ipvs_backend_weight"))
                .startsWith("0.0 ")
                .contains("role=\"backup\"", "draining=\"true\"");
        assertThat(value(t3, "10 192.0.2.21 node_ipvs_backend_connections_active"))
                .isGreaterThanOrEqualTo(1.0);
        assertThat(t3.get("10 192.0.2.11 node_ipvs_backend_weight"))
                .startsWith("1.0 ")
                .contains("role=\"primary\"", "draining=\"false\"");

        // (iv) sysctls and the sync daemon, set by the agent
        assertThat(f.all("sysctl")).containsExactlyInAnyOrder("expire_nodest_conn 1", "expire_quiescent_template 1");
        assertThat(f.all("daemon"))
                .anyMatch(l -> l.contains("master sync daemon") && l.contains("mcast=lan0") && l.contains("syncid=7"));

        // (iii) failure: rs11 killed + DOWN verdict -> its backup rs21 in pool 10 with its weight, traffic lands there
        assertThat(f.one("killed")).isEqualTo("203.0.113.21 1935 FAIL connect-refused");
        assertThat(f.all("down"))
                .contains("-a -f 10 -r 192.0.2.21:0 -g -w 1")
                .noneMatch(l -> l.contains("192.0.2.11:0"));
        assertThat(f.all("failover-conn"))
                .hasSize(2)
                .allMatch(c -> c.equals("203.0.113.21 1935 rs21 1935 203.0.113.21"));
        // recovery: UP -> after the hold-down rs11 is back, rs21 drains at weight 0, new connections go to rs11
        assertThat(f.all("failback"))
                .as("backup at weight 0 (draining), primary back")
                .contains("-a -f 10 -r 192.0.2.21:0 -g -w 0", "-a -f 10 -r 192.0.2.11:0 -g -w 1");
        assertThat(f.all("failback-conn"))
                .as(
                        "new connections: primary (the template to the weight-0 backup expires: expire_quiescent_template=1)")
                .hasSize(2)
                .allMatch(c -> c.equals("203.0.113.21 1935 rs11 1935 203.0.113.21"));
        // the drain of the backup waits for its one open stream (ActiveConn), not for the closed connections that
        // linger
        // in InActConn in DR, and ends when that stream closes, before its deadline (20 s)
        assertThat(f.one("held-conn")).as("a stream held open on the backup").isEqualTo("rs21 1935 203.0.113.21");
        assertThat(f.one("drain-held"))
                .as("5 s into the drain: backup still at weight 0, its stream active")
                .matches("1 [1-9][0-9]* [0-9]+");
        assertThat(f.all("drained"))
                .contains("-a -f 10 -r 192.0.2.11:0 -g -w 1")
                .noneMatch(l -> l.contains("192.0.2.21:0"));
        assertThat(f.one("drain-end"))
                .as("the agent ended the drain at 0 active connections, not at its deadline")
                .startsWith("drain of 192.0.2.21 in fwmark 10 (failback) ended: no active connections")
                .doesNotContain("deadline");
        long failback = Long.parseLong(f.one("failback-ms"));
        assertThat(failback).as("hold-down of 5 s respected").isGreaterThanOrEqualTo(4_000);

        // (ii) SIGKILL in the middle of applies, restart: converges to the desired state every time
        List<String> rounds =
                Stream.of(KILL_POINTS.split(" ")).map(p -> p.split(":")[0]).toList();
        assertThat(f.all("kill")).hasSize(rounds.size()).noneMatch(k -> k.contains("never-seen"));
        for (String k : rounds) {
            int round = Integer.parseInt(k);
            assertThat(f.all("converged"))
                    .as("round " + k + ": the restarted agent applied the generation")
                    .filteredOn(c -> c.startsWith(k + " "))
                    .singleElement()
                    .asString()
                    .matches(k + " " + generations.get(round) + " [0-9]+");
            assertThat(f.one("round" + k + "-members"))
                    .as("round " + k + " set")
                    .isEqualTo(expectedMembers.get(round) + " "
                            + (BIG + example.clients().size() + 1));
            assertThat(f.one("round" + k + "-sets")).as("no temp set left").isEqualTo("videolb-clients");
            assertThat(f.one("round" + k + "-rules")).isEqualTo("1 1");
            assertThat(f.all("round" + k)).containsExactlyInAnyOrderElementsOf(expectedIpvs.get(round));
        }
        assertThat(rounds)
                .as(
                        "the kill left work for the restarted agent (it was in the middle of an apply) in at least one round")
                .anyMatch(k -> f.all("restart-log").stream()
                        .anyMatch(l -> l.startsWith(k + " ") && l.contains("reconcile 1: ")));
        assertThat(f.one("plan-exit")).as("AgentMain plan: in sync").startsWith(ExitCode.OK.code() + " ");

        // (iv) reboot files restore into an empty kernel (fresh netns) and reproduce the director's state
        assertThat(f.one("iptables-test")).isEqualTo("ok");
        assertThat(f.all("boot")).containsExactly("ipset ok", "iptables ok", "ipvsadm ok");
        assertThat(f.one("boot-ipvs").split(" "))
                .satisfies(p -> assertThat(p[0]).isEqualTo(p[1]));
        assertThat(f.one("boot-set").split(" ")).satisfies(p -> assertThat(p[0]).isEqualTo(p[1]));
        assertThat(f.one("boot-rule")).isEqualTo("2");
        assertThat(f.one("stop")).as("SIGTERM: prompt close").doesNotContain("FAIL");
        assertThat(f.one("after-stop-services")).as("never a flush on stop").isEqualTo("3");

        System.out.println("IpvsAgentVmIT timings: setup " + setup + " ms, facts " + f.all("timing") + ", failover "
                + f.one("failover-ms")
                + " ms, failback " + failback + " ms, backup removed " + f.one("backup-removed-ms") + " ms ("
                + f.one("drain-end-ms") + " ms after its last stream closed), kills " + f.all("kill")
                + ", after kills " + f.all("after-kill") + ", converged " + f.all("converged") + ", plan "
                + f.one("plan-exit")
                + ", stop " + f.one("stop") + " ms, VM run " + r.elapsed().toMillis() + " ms, whole test "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /** "POOL SERVER NAME" -> "VALUE NAME{LABELS}" from the traffic facts ("POOL SERVER NAME VALUE NAME{LABELS}"). */
    static Map<String, String> traffic(List<String> facts) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : facts) {
            String[] w = l.split(" ", 4);
            assertThat(w).as(l).hasSize(4);
            out.put(w[0] + " " + w[1] + " " + w[2], w[3]);
        }
        return out;
    }

    static double value(Map<String, String> traffic, String key) {
        String v = traffic.get(key);
        assertThat(v).as(key + " on the agent's /metrics").isNotNull().isNotEqualTo("-");
        return Double.parseDouble(v.split(" ")[0]);
    }

    private String act(String name, TestPublisher pub, DesiredState example) throws Exception {
        if (name.equals("down-11")) {
            pub.verdicts(null, List.of(verdict("192.0.2.11", false, 1)));
            return "ok";
        }
        if (name.equals("up-11")) {
            pub.verdicts(null, List.of(verdict("192.0.2.11", true, 2)));
            return "ok";
        }
        if (name.startsWith("gen-")) {
            int k = Integer.parseInt(name.substring(4));
            DesiredState s = big(example, k);
            long g = pub.publish(s);
            generations.put(k, g);
            expectedMembers.put(k, membersDigest(s));
            expectedIpvs.put(k, ipvsLines(s));
            return g + " " + s.clients().size();
        }
        return "unknown";
    }

    /** Round k: BIG more clients (all with mark 20 on odd rounds, 10 on even ones) and pool 20's weights at k+1. */
    static DesiredState big(DesiredState example, int k) {
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>(example.clients());
        Fwmark mark = new Fwmark(k % 2 == 1 ? 20 : 10);
        for (int i = 0; i < BIG; i++) clients.put(Ipv4Network.parse("10.20." + (i / 250) + "." + (i % 250 + 1)), mark);
        TreeMap<Fwmark, Pool> pools = new TreeMap<>(example.pools());
        Pool p20 = pools.get(new Fwmark(20));
        pools.put(
                p20.mark(),
                new Pool(
                        p20.mark(),
                        p20.scheduler(),
                        p20.servers().stream()
                                .map(rs -> new RealServer(rs.address(), k + 1))
                                .toList()));
        return new DesiredState(example.params(), clients, pools, example.backups());
    }

    /** What {@code ipvsadm -Sn} prints for the state's pools (all servers up). */
    static List<String> ipvsLines(DesiredState s) {
        List<String> l = new ArrayList<>();
        for (Pool p : s.pools().values()) {
            int pers = s.params().persistenceSeconds();
            l.add("-A -f " + p.mark().value() + " -s " + p.scheduler().ipvsName() + (pers > 0 ? " -p " + pers : ""));
            for (RealServer rs : p.servers())
                l.add("-a -f " + p.mark().value() + " -r " + rs.address() + ":0 -g -w " + rs.weight());
        }
        return l;
    }

    /** MD5 of the sorted "NET MARK" lines as {@code ipset save} prints the members (host /32 without the mask). */
    static String membersDigest(DesiredState s) throws Exception {
        TreeMap<Ipv4Network, Fwmark> m = new TreeMap<>(s.clients());
        m.putIfAbsent(s.params().clientNetwork(), s.params().defaultMark());
        List<String> lines = m.entrySet().stream()
                .map(e -> {
                    String net = e.getKey().toString();
                    return (net.endsWith("/32") ? net.substring(0, net.length() - 3) : net) + " "
                            + e.getValue().hex();
                })
                .sorted()
                .toList();
        StringBuilder b = new StringBuilder();
        for (String l : lines) b.append(l).append('\n');
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("MD5").digest(b.toString().getBytes(StandardCharsets.US_ASCII)));
    }

    /** An agent's settings as a file the scenario sources ({@code export K='V'}); every value checked quotable. */
    static void writeAgentEnv(Path file, Map<String, String> env) throws java.io.IOException {
        StringBuilder text = new StringBuilder();
        env.forEach((k, v) -> {
            assertThat(v).matches("[A-Za-z0-9_.:/ -]+");
            text.append("export ").append(k).append("='").append(v).append("'\n");
        });
        Files.writeString(file, text, StandardCharsets.US_ASCII);
    }

    static DesiredState readExamples() {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("examples/param.csv"))) dir = dir.getParent();
        assertThat(dir)
                .as("examples/ folder above " + Paths.get("").toAbsolutePath())
                .isNotNull();
        CsvReadResult r = new CsvConfigReader().read(dir.resolve("examples"));
        assertThat(r).as("example CSVs valid: " + r).isInstanceOf(CsvReadResult.Valid.class);
        return ((CsvReadResult.Valid) r).state();
    }

    /** The test JVM's real classpath (failsafe puts it in surefire.test.class.path; java.class.path may be a booter jar in /tmp, which the guest does not see). */
    static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) cp = System.getProperty("java.class.path");
        String joined = Stream.of(cp.split(java.io.File.pathSeparator))
                .filter(e -> !e.isBlank())
                .map(e -> Paths.get(e).toAbsolutePath().toString())
                .collect(Collectors.joining(":"));
        // The guest's /tmp is a fresh tmpfs; only the checkout is shared into it (IpvsVm shares the
        // repository read-write), so every /tmp entry must lie inside the checkout.
        Path repo = IpvsVm.toolsDir().getParent().getParent().toAbsolutePath();
        assertThat(Stream.of(joined.split(":"))
                        .filter(e -> e.startsWith("/tmp/") && !Paths.get(e).startsWith(repo)))
                .as("classpath entries in /tmp outside the shared checkout " + repo)
                .isEmpty();
        return joined;
    }
}
