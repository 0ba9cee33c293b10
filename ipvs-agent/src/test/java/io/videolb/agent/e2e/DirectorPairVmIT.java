package io.videolb.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.events.AgentStatus;
import io.videolb.events.DirectorRequest;
import io.videolb.events.SplitBrain;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.testsupport.kafka.AgentStatusWatch;
import io.videolb.testsupport.kafka.SharedBroker;
import io.videolb.testsupport.vm.IpvsVm;
import io.videolb.testsupport.vm.ScenarioFacts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 with the REAL agents: two director namespaces in the qemu VM (Debian's kernel, real IPVS), each running
 * {@code io.videolb.agent.AgentMain} with {@code VIDEOLB_HA=true} and {@code VIDEOLB_SYNC_ROLE=both}: the agent
 * renders the fwmark DR service and the steering from the desired topic, sets the sync daemons and sysctls, writes
 * keepalived's file and runs keepalived, and publishes its VRRP state. The broker is this test JVM's (the directors
 * reach it through the VM's restricted forward); viewers behind a router hold connections through the VIP with data
 * both ways. The scenario ({@code tools/ipvs-vm/director-ha.sh agents}) asks this test, by file cues, to publish a
 * desired change or an operator's promote and to read the agents' statuses; it asserts on the facts printed:
 *
 * <ol>
 *   <li>the holder dies (link down + SIGKILL of its agent and keepalived): the standby takes the VIP, every
 *       established connection goes on (and the never-synced young ones), new ones are served, its status says it
 *       took over and why;
 *   <li>a desired change while the survivor holds the VIP is applied there, and by the dead one when it is back;
 *   <li>the returning director does not preempt, its status says why; an operator's promote (the command on Kafka)
 *       moves the VIP back without cutting a connection;
 *   <li>a crash (agent and keepalived SIGKILLed, link up): the peer takes over with the connections, and the VIP the
 *       killed keepalived left on the crashed director is gone once its agent is back;
 *   <li>a partition between the directors only: both MASTER, detected from the agents' statuses ({@link SplitBrain});
 *       healed: one holder again;
 *   <li>a clean stop of each agent stops its keepalived and removes the VIP.
 * </ol>
 *
 * See docs/director-ha.md ("Tests").
 */
class DirectorPairVmIT {
    static final String VIP = "198.51.100.10";

    /** "@round TAG PROFILE ADVERT FROM TO VIP_MS EXISTING_MS NEWCONN_MS OLD_KEPT OLD_TOTAL YOUNG_KEPT YOUNG_TOTAL SYNCED". */
    record Round(
            String from,
            String to,
            long vipMs,
            long existingMs,
            long newConnMs,
            int oldKept,
            int oldTotal,
            int youngKept,
            int youngTotal,
            int syncedBefore) {
        static Round parse(String tag, ScenarioFacts f) {
            String line = f.all("round").stream()
                    .filter(l -> l.startsWith(tag + " "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(
                            "no @round " + tag + " in " + f.all("round") + " errors " + f.all("round-error")));
            String[] w = line.split(" ");
            return new Round(
                    w[3],
                    w[4],
                    Long.parseLong(w[5]),
                    Long.parseLong(w[6]),
                    Long.parseLong(w[7]),
                    Integer.parseInt(w[8]),
                    Integer.parseInt(w[9]),
                    Integer.parseInt(w[10]),
                    Integer.parseInt(w[11]),
                    Integer.parseInt(w[12]));
        }
    }

    @Test
    void theRealAgentsOfTwoDirectorsTakeOverKeepConnectionsWaitForAPromoteAndSeeASplitBrain() throws Exception {
        Topics topics = SharedBroker.freshTopics("director-pair");
        Path run = IpvsVm.freshRunDir("director-pair-vm-it");
        Files.createDirectories(run.resolve("cue"));
        Files.createDirectories(run.resolve("ack"));
        Files.writeString(run.resolve("broker-ip.txt"), SharedBroker.VM_ADVERTISED_HOST, StandardCharsets.US_ASCII);
        for (String d : List.of("dirA", "dirB")) writeEnv(run, topics, d);

        DesiredState g1 = cluster(run, 300);
        DesiredState g2 = cluster(run, 120);
        try (TestPublisher pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
                AgentStatusWatch watch =
                        new AgentStatusWatch(SharedBroker.bootstrapServers(), topics, "director-pair-status")) {
            assertThat(pub.publish(g1)).isEqualTo(1);
            // the pause between looks keeps the statuses read on while the scenario runs
            Thread cues = new Thread(
                    () -> VmCues.serve(run, name -> act(name, pub, g2, watch, topics), () -> watch.collect(100)),
                    "vm-cues");
            cues.setDaemon(true);
            cues.start();
            IpvsVm.Result r;
            try {
                r = IpvsVm.builder()
                        // a bound: two agent JVMs start together, one restarts twice, under emulation
                        .timeout(Duration.ofMinutes(16))
                        .forward(
                                SharedBroker.VM_ADVERTISED_HOST,
                                SharedBroker.VM_ADVERTISED_PORT,
                                SharedBroker.vmListenerPort())
                        .env("IPVS_VM_MEM", "2048")
                        .env("IPVS_VM_CPUS", "2")
                        .env("HA_CP", IpvsAgentVmIT.classpath())
                        .env(
                                "HA_JAVA",
                                Paths.get(System.getProperty("java.home"), "bin", "java")
                                        .toString())
                        .build()
                        .run(
                                "DirectorPairVmIT",
                                "bash",
                                IpvsVm.toolsDir().resolve("director-ha.sh").toString(),
                                "agents",
                                run.toString());
            } finally {
                cues.interrupt();
                cues.join(5_000);
            }
            r.assertSuccess();
            assertScenario(new ScenarioFacts(r.lines()), r);
        }
    }

    private void assertScenario(ScenarioFacts f, IpvsVm.Result r) {
        assertThat(f.one("done")).isEqualTo("agents");
        String h = f.one("start-holder");
        String s = h.equals("dirA") ? "dirB" : "dirA";
        // the start: one holder, the other BACKUP; both run the same IPVS service and steering from generation 1
        assertThat(f.one("roles")).isEqualTo(h + " MASTER vip " + s + " BACKUP novip");
        for (String d : List.of("dirA", "dirB")) {
            assertThat(f.all("gen1-ipvs"))
                    .contains(
                            d + " -A -f 10 -s wlc -p 300",
                            d + " -a -f 10 -r 198.51.100.11:0 -g -w 1",
                            d + " -a -f 10 -r 198.51.100.12:0 -g -w 1");
            assertThat(f.all("gen1-rules")).contains(d + " 1");
        }
        // the agents' sync roles: both at once, with the ids of their settings
        assertThat(f.all("daemon"))
                .anyMatch(l -> l.startsWith("dirA master sync daemon (mcast=eth0, syncid=1,"))
                .anyMatch(l -> l.startsWith("dirA backup sync daemon (mcast=eth0, syncid=2,"))
                .anyMatch(l -> l.startsWith("dirB master sync daemon (mcast=eth0, syncid=2,"))
                .anyMatch(l -> l.startsWith("dirB backup sync daemon (mcast=eth0, syncid=1,"));
        assertThat(f.all("sysctl")).contains(s + " backup_only 0", s + " sloppy_tcp 1", s + " sync_persist_mode 0");
        assertThat(f.one("ka-conf"))
                .as("nopreempt, state BACKUP, the VIP of the desired state")
                .isEqualTo(s + " 3");

        // 1. the holder dies: the standby takes over with every connection
        Round t1 = Round.parse("t1", f);
        assertThat(t1.from()).isEqualTo(h);
        assertThat(t1.to()).isEqualTo(s);
        assertThat(t1.oldTotal()).isEqualTo(8);
        assertThat(t1.syncedBefore())
                .as("the standby's table had the connections")
                .isGreaterThanOrEqualTo(8);
        assertThat(t1.oldKept()).as("established connections kept").isEqualTo(8);
        assertThat(t1.youngKept()).as("young (never synced) connections kept").isEqualTo(t1.youngTotal());
        assertThat(t1.youngTotal()).isEqualTo(2);
        assertThat(t1.newConnMs()).as("a new connection served").isPositive();
        assertThat(f.one("took-over")).startsWith(s + " MASTER vip reason=").contains(h); // "h stopped advertising"
        // 2. a desired change during the takeover: the survivor applies it, and the returning one
        assertThat(f.one("gen2")).isEqualTo("generation 2");
        assertThat(f.all("gen2-applied")).containsExactly(s, h);
        assertThat(f.all("gen2-ipvs")).contains(s + " -A -f 10 -s wlc -p 120");
        // 3. no preemption by the returning director, its status says so; a promote moves the VIP back, no cut
        assertThat(f.all("no-preempt")).contains(h + " 6");
        assertThat(f.all("preempted")).isEmpty();
        assertThat(f.one("blocked")).startsWith(h + " BACKUP ").contains("nopreempt");
        assertThat(f.one("parity-before-promote")).matches(h + " \\d+ of " + s + " \\d+");
        String[] parity = f.one("parity-before-promote").split(" ");
        assertThat(Integer.parseInt(parity[1]))
                .as("the returning director's table covers the holder's connections")
                .isGreaterThanOrEqualTo(Integer.parseInt(parity[4]));
        String[] p1 = f.one("promote").split(" ");
        // @promote TAG FROM TO VIP_MS KEPT TOTAL MAXGAP_MS NEWCONN_MS
        assertThat(p1[1]).isEqualTo(s);
        assertThat(p1[2]).isEqualTo(h);
        assertThat(Long.parseLong(p1[3])).as("VIP on the promoted director").isPositive();
        assertThat(p1[4])
                .as("connections kept through the promote")
                .isEqualTo(p1[5])
                .isEqualTo("8");
        assertThat(f.all("no-preempt")).contains(s + " 3");
        // 4. a crash of the holder's processes (link up): the peer takes over with the connections; the VIP the killed
        // keepalived left behind is removed when the agent is back
        Round t2 = Round.parse("t2", f);
        assertThat(t2.from()).isEqualTo(h);
        assertThat(t2.to()).isEqualTo(s);
        assertThat(t2.oldKept()).isEqualTo(t2.oldTotal()).isEqualTo(8);
        assertThat(t2.newConnMs()).isPositive();
        assertThat(f.one("restarted-applied")).isEqualTo(h);
        assertThat(f.one("vip-after-restart")).isEqualTo(h + " no " + s + " yes");
        assertThat(f.all("no-preempt")).contains(h + " 3");
        // 5. split brain seen in the statuses, and healed
        assertThat(f.one("split")).startsWith("split dirA,dirB ");
        long splitMs = Long.parseLong(f.one("split").split(" ")[2]);
        assertThat(splitMs)
                .as("both claims in the statuses within 5 s (the holder republishes when its peer turns MASTER; its"
                        + " periodic run would be up to 30 s away)")
                .isLessThan(5_000L);
        assertThat(f.one("split-over")).matches("over (dirA|dirB) \\d+");
        assertThat(f.one("split-healed-ms")).matches("\\d+ (dirA|dirB)");
        // 6. clean stops by SIGTERM: AgentMain stops in its shutdown hook, so the JVM's status is 143 (`videolb agent`,
        // the packaged command, answers 0); the VIP is gone and nothing of the director runs any more (keepalived too)
        assertThat(f.all("stop")).containsExactlyInAnyOrder("dirA 143 novip 0", "dirB 143 novip 0");

        System.out.printf(
                "DirectorPairVmIT figures (real agents, TCG VM, 2 vCPUs; ms): both applied %s; takeover %s->%s vip %d"
                        + " existing %d new %d; promote vip %s max gap %s new %s; crash takeover vip %d existing %d new"
                        + " %d; split seen in the statuses %d after the cue (both MASTER %s); healed %s; VM %d s%n",
                f.one("both-applied-ms"),
                h,
                s,
                t1.vipMs(),
                t1.existingMs(),
                t1.newConnMs(),
                p1[3],
                p1[6],
                p1[7],
                t2.vipMs(),
                t2.existingMs(),
                t2.newConnMs(),
                splitMs,
                f.one("split-both-ms"),
                f.one("split-healed-ms"),
                r.elapsed().toSeconds());
    }

    /** The lab's cluster: one pool (mark 10, wlc) of the two servers, one listed client, the clients' network. */
    static DesiredState cluster(Path run, int persistence) throws Exception {
        Path dir = Files.createDirectories(run.resolve("csv-" + persistence));
        Files.writeString(
                dir.resolve("param.csv"),
                "field,value\nlvsIP," + VIP + "\nip_domain,203.0.113.0\nmailid,ops@example.com\npersistence_time,"
                        + persistence + "\nfwdefault,10\n");
        Files.writeString(dir.resolve("client-list.csv"), "IP,fwmark\n203.0.113.10,10\n");
        Files.writeString(
                dir.resolve("fwmark-routing-list.csv"),
                "fwmark,server,schedule\n10,\"198.51.100.11,198.51.100.12\",wlc\n");
        Files.writeString(dir.resolve("realserver-backup-list.csv"), "RIP,backup\n");
        CsvReadResult r = new CsvConfigReader().read(dir);
        assertThat(r).as("the lab's CSVs: " + r).isInstanceOf(CsvReadResult.Valid.class);
        return ((CsvReadResult.Valid) r).state();
    }

    private static void writeEnv(Path run, Topics topics, String d) throws Exception {
        boolean a = d.equals("dirA");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("VIDEOLB_BOOTSTRAP", SharedBroker.VM_ADVERTISED_HOST + ":" + SharedBroker.VM_ADVERTISED_PORT);
        env.put("VIDEOLB_TOPIC_PREFIX", topics.prefix());
        // the test's broker is one process: each agent creates its own status topic with one replica
        env.put("VIDEOLB_TOPIC_REPLICATION_FACTOR", "1");
        env.put("VIDEOLB_TOPIC_SINGLE_REPLICA_ALLOWED", "true");
        env.put("VIDEOLB_DIRECTOR", d);
        env.put("VIDEOLB_STATE_DIR", "/tmp/videolb-" + d + "/state");
        env.put("VIDEOLB_IPVS_RULES", "/tmp/videolb-" + d + "/etc/ipvsadm.rules");
        env.put("VIDEOLB_IPTABLES_RULES", "/tmp/videolb-" + d + "/etc/rules.v4");
        env.put("VIDEOLB_IPSET_RULES", "/tmp/videolb-" + d + "/etc/ipsets");
        env.put("VIDEOLB_HTTP_HOST", "127.0.0.1");
        env.put("VIDEOLB_HTTP_PORT", "9102");
        // VIDEOLB_RESYNC_S stays at its default (30 s): a split brain must be seen from the statuses without waiting
        // for the holder's periodic run
        env.put("VIDEOLB_SYNC_ROLE", "both");
        env.put("VIDEOLB_SYNC_IFACE", "eth0");
        env.put("VIDEOLB_SYNC_ID", a ? "1" : "2");
        env.put("VIDEOLB_SYNC_PEER_ID", a ? "2" : "1");
        env.put("VIDEOLB_HA", "true");
        env.put("VIDEOLB_DIRECTOR_PEER", a ? "dirB" : "dirA");
        env.put("VIDEOLB_VRRP_IFACE", "eth0");
        env.put("VIDEOLB_VRRP_ROUTER_ID", "51");
        env.put("VIDEOLB_VRRP_PRIORITY", a ? "150" : "100");
        env.put("VIDEOLB_VRRP_PEERS", a ? "198.51.100.3" : "198.51.100.2");
        env.put("VIDEOLB_VRRP_ADVERT_S", "0.2");
        env.put("VIDEOLB_KEEPALIVED_CONF", "/tmp/videolb-" + d + "/keepalived/videolb.conf");
        env.put("VIDEOLB_KEEPALIVED_RUN", "/tmp/videolb-" + d + "/run");
        IpvsAgentVmIT.writeAgentEnv(run.resolve("agent-" + d + ".env"), env);
    }

    private String act(String name, TestPublisher pub, DesiredState g2, AgentStatusWatch watch, Topics topics) {
        String[] w = name.split("-");
        switch (w[0]) {
            case "roles" -> {
                Map<String, AgentStatus> st = until(
                        watch, m -> isHa(m.get(w[1]), "MASTER") && isHa(m.get(w[2]), "BACKUP"), Duration.ofSeconds(60));
                return st == null
                        ? "no statuses " + latest(watch)
                        : describe(st.get(w[1])) + " " + describe(st.get(w[2]));
            }
            case "took" -> { // took-over-DIR
                String d = w[2];
                Map<String, AgentStatus> st = until(watch, m -> isHa(m.get(d), "MASTER"), Duration.ofSeconds(50));
                return st == null
                        ? "no MASTER status of " + d + ": " + latest(watch)
                        : describe(st.get(d)) + " reason=" + st.get(d).ha().lastTakeoverReason();
            }
            case "gen2" -> {
                return "generation " + pub.publish(g2);
            }
            case "blocked" -> {
                String d = w[1];
                Map<String, AgentStatus> st = until(
                        watch,
                        m -> isHa(m.get(d), "BACKUP")
                                && !m.get(d).ha().preemptBlockedBy().isEmpty(),
                        Duration.ofSeconds(50));
                return st == null
                        ? "no blocked BACKUP status of " + d + ": " + latest(watch)
                        : d + " BACKUP " + st.get(d).ha().preemptBlockedBy();
            }
            case "parity" -> { // parity-TARGET: the target's table against the holder's (the promote guard's)
                String target = w[1];
                String holder = target.equals("dirA") ? "dirB" : "dirA";
                Map<String, AgentStatus> st = until(
                        watch,
                        m -> isHa(m.get(holder), "MASTER")
                                && m.get(holder).ha().connections() >= 8
                                && isHa(m.get(target), "BACKUP")
                                && m.get(target).ha().connections()
                                        >= m.get(holder).ha().connections(),
                        Duration.ofSeconds(75)); // statuses come with each run: at least every 30 s
                Map<String, AgentStatus> now = st == null ? latest(watch) : st;
                return target + " " + connections(now.get(target)) + " of " + holder + " "
                        + connections(now.get(holder));
            }
            case "promote" -> {
                pub.raw(
                        topics.directorCommands(),
                        Map.of(
                                DirectorRequest.KEY,
                                Json.write(new DirectorRequest(
                                        "it-" + System.nanoTime(),
                                        "promote",
                                        w[1],
                                        "director-pair-vm-it",
                                        System.currentTimeMillis()))));
                return "published";
            }
            case "split" -> {
                long t0 = System.nanoTime();
                if (w.length == 1) {
                    Map<String, AgentStatus> st =
                            until(watch, m -> SplitBrain.of(m.values()).size() == 2, Duration.ofSeconds(30));
                    return st == null
                            ? "no split brain in " + latest(watch)
                            : "split " + String.join(",", SplitBrain.of(st.values())) + " "
                                    + (System.nanoTime() - t0) / 1_000_000;
                }
                Map<String, AgentStatus> st = until(
                        watch,
                        m -> SplitBrain.of(m.values()).isEmpty()
                                && SplitBrain.holders(m.values()).size() == 1,
                        Duration.ofSeconds(30));
                return st == null
                        ? "still split in " + latest(watch)
                        : "over " + SplitBrain.holders(st.values()).get(0) + " " + (System.nanoTime() - t0) / 1_000_000;
            }
            default -> {
                return "unknown cue " + name;
            }
        }
    }

    private static boolean isHa(AgentStatus a, String state) {
        return a != null && a.ha() != null && a.ha().vrrpState().equals(state);
    }

    private static String describe(AgentStatus a) {
        return a.director() + " " + a.ha().vrrpState() + " " + (a.ha().holdsVip() ? "vip" : "novip");
    }

    private static String connections(AgentStatus a) {
        return a == null || a.ha() == null ? "?" : Integer.toString(a.ha().connections());
    }

    /** The latest status of each director read so far. */
    private static Map<String, AgentStatus> latest(AgentStatusWatch watch) {
        Map<String, AgentStatus> m = new TreeMap<>();
        for (AgentStatus a : watch.statuses()) m.put(a.director(), a);
        return m;
    }

    /** Reads on until the latest statuses match (null after the bound). */
    private static Map<String, AgentStatus> until(
            AgentStatusWatch watch, Predicate<Map<String, AgentStatus>> p, Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() - end < 0) {
            Map<String, AgentStatus> m = latest(watch);
            if (p.test(m)) return m;
            watch.collect(100);
        }
        return null;
    }
}
