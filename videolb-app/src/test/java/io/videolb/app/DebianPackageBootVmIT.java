package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.testsupport.kafka.SharedBroker;
import io.videolb.testsupport.vm.IpvsVm;
import io.videolb.testsupport.vm.ScenarioFacts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Debian package on a clean Debian 12 director, booted twice with systemd as PID 1 (the VM harness's systemd
 * mode: an mmdebstrap root filesystem, cached, under a qcow2 disk that survives the reboot). Boot 1 installs
 * {@code videolb_VERSION_all.deb} with dpkg, adds the broker to {@code /etc/videolb/videolb.properties}, enables
 * {@code videolb-restore} and {@code videolb-agent}; the agent applies the examples' desired state (published on the
 * host broker with the product's own {@code videolb import}, reached through the restricted forward) and writes its
 * reboot files; then {@code systemctl reboot}. Boot 2: {@code videolb-restore} loads the files before network-pre
 * and before the agent; the director's LAN comes up (the test's lab unit, as a director's interface config), a
 * viewer connects to the VIP over and over while the agent starts, and the agent converges without a kernel
 * change. Scenario: {@code deb-boot-vm-it.sh}.
 */
class DebianPackageBootVmIT {

    @Test
    void thePackageInstallsOnDebianAndItsUnitsBringTheDirectorBackAtBootBeforeTheAgentStarts() throws Exception {
        Path jar =
                Path.of(System.getProperty("videolb.jar", "target/videolb.jar")).toAbsolutePath();
        Path deb;
        try (Stream<Path> s = Files.list(jar.getParent())) {
            deb = s.filter(p -> p.getFileName().toString().matches("videolb_.+_all\\.deb"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no videolb_*_all.deb next to " + jar
                            + " (built in the package phase by packaging/debian/build-deb.sh)"));
        }
        Path repo = IpvsVm.toolsDir().getParent().getParent().toAbsolutePath();
        Topics topics = SharedBroker.freshTopics("deb-vm");
        publishExamples(jar, repo.resolve("examples"), topics);

        Path run = IpvsVm.freshRunDir("deb-boot-vm-it");
        Files.copy(deb, run.resolve("videolb.deb"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(
                run.resolve("videolb.properties"),
                "\n# added by DebianPackageBootVmIT\n"
                        + "VIDEOLB_BOOTSTRAP=" + SharedBroker.VM_ADVERTISED_HOST + ":" + SharedBroker.VM_ADVERTISED_PORT
                        + "\nVIDEOLB_TOPIC_PREFIX=" + topics.prefix()
                        + "\nVIDEOLB_DIRECTOR=vm-director\nVIDEOLB_HTTP_HOST=127.0.0.1\n",
                StandardCharsets.US_ASCII);
        Path script = IpvsVm.resource(DebianPackageBootVmIT.class, "deb-boot-vm-it.sh");
        IpvsVm vm = IpvsVm.builder()
                .timeout(Duration.ofMinutes(15)) // per boot: a bound, not the expected time (figures in the docs)
                .forward(
                        SharedBroker.VM_ADVERTISED_HOST, SharedBroker.VM_ADVERTISED_PORT, SharedBroker.vmListenerPort())
                .env("IPVS_VM_DISK", run.resolve("disk.qcow2").toString())
                .env("IPVS_VM_MEM", "1536")
                .build();

        // ---- boot 1: install, enable, the agent applies the example cluster, reboot files -------------------------
        IpvsVm.Result r1 = vm.run("DebBootVmIT-boot1", "bash", script.toString(), "first", run.toString());
        r1.assertSuccess();
        ScenarioFacts f1 = new ScenarioFacts(r1.lines());
        assertThat(f1.one("pid1")).isEqualTo("systemd");
        assertThat(f1.one("dpkg-status")).startsWith("install ok installed ");
        assertThat(f1.one("user"))
                .as("a system user, no home, no shell")
                .isEqualTo("videolb:/nonexistent:/usr/sbin/nologin");
        assertThat(f1.all("mode"))
                .contains(
                        "/etc/videolb/api-tokens videolb:videolb 600",
                        "/etc/videolb/smtp-password videolb:videolb 600",
                        "/etc/videolb/videolb.properties root:root 644",
                        "/usr/bin/videolb root:root 755");
        assertThat(f1.one("conffiles").split(" "))
                .contains("/etc/videolb/videolb.properties", "/etc/videolb/api-tokens", "/etc/videolb/smtp-password");
        assertThat(f1.all("unit-verify"))
                .as("systemd-analyze verify of every unit: no complaint")
                .hasSize(5)
                .allMatch(l -> l.matches("videolb-[a-z-]+ ?"));
        assertThat(f1.one("agent-caps")).isEqualTo("cap_net_admin cap_net_raw");
        assertThat(f1.one("agent-user"))
                .as("the agent as root, health as videolb")
                .isEqualTo("agent=root health=videolb");
        assertThat(f1.one("enabled")).isEqualTo("enabled enabled");
        List<String> boot1Ipvs = f1.all("boot1-ipvs");
        assertThat(boot1Ipvs)
                .as("the examples' 3 fwmark services")
                .filteredOn(l -> l.startsWith("-A -f "))
                .hasSize(3);
        assertThat(f1.one("boot1-rules")).isEqualTo("1 1");
        assertThat(f1.all("conn1")).hasSize(3).noneMatch(c -> c.contains("FAIL"));
        assertThat(f1.all("reboot-file"))
                .containsExactly(
                        "/etc/iptables/ipsets present", "/etc/iptables/rules.v4 present", "/etc/ipvsadm.rules present");

        // ---- boot 2: the same disk -------------------------------------------------------------------------------
        IpvsVm.Result r2 = vm.run("DebBootVmIT-boot2", "bash", script.toString(), "second", run.toString());
        r2.assertSuccess();
        ScenarioFacts f2 = new ScenarioFacts(r2.lines());
        assertThat(f2.one("pid1")).isEqualTo("systemd");
        Map<String, long[]> unit = new HashMap<>(); // name -> {start, exit, activeEnter} (monotonic µs)
        for (String u : f2.all("unit")) {
            String[] p = u.split(" ");
            assertThat(p).as(u).hasSize(5);
            unit.put(p[0], new long[] {Long.parseLong(p[2]), Long.parseLong(p[3]), Long.parseLong(p[4])});
            assertThat(p[1]).as(u).isEqualTo("active");
        }
        long restoreDone = unit.get("videolb-restore")[1];
        long labDone = unit.get("videolb-vmit-lab")[1];
        long agentStart = unit.get("videolb-agent")[0];
        long networkPre = Long.parseLong(f2.one("network-pre"));
        assertThat(restoreDone)
                .as("rules restored before network-pre.target")
                .isPositive()
                .isLessThan(networkPre);
        assertThat(restoreDone).as("rules restored before the agent starts").isLessThan(agentStart);
        assertThat(labDone).as("the LAN is up before the agent starts").isLessThan(agentStart);
        assertThat(f2.all("restore-log"))
                .anyMatch(l -> l.startsWith("videolb-restore: ipset: loaded /etc/iptables/ipsets"))
                .anyMatch(l -> l.equals("videolb-restore: iptables: loaded /etc/iptables/rules.v4"))
                .anyMatch(l -> l.startsWith("videolb-restore: IPVS: loaded /etc/ipvsadm.rules (3 services"));
        // the kernel as videolb-restore left it, before the LAN and the agent: boot 1's state
        assertThat(f2.one("restore-before-lab")).isEqualTo("active");
        assertThat(f2.all("before-lan-ipvs")).containsExactlyInAnyOrderElementsOf(boot1Ipvs);
        assertThat(f2.one("before-lan-members")).isEqualTo(f1.one("boot1-members"));
        assertThat(f2.one("before-lan-rules")).isEqualTo("1 1");
        assertThat(f2.one("agent-state-at-lab")).isEqualTo("inactive");

        // viewers are served while the agent starts: every connection from before the agent's start to its
        // convergence answered, from rs11 (client .21's mark 10)
        long converged = Long.parseLong(f2.one("agent-converged-uptime-ms"));
        List<String> during = new ArrayList<>();
        for (String t : f2.all("traffic")) {
            String[] p = t.split(" ", 3);
            assertThat(p).as(t).hasSize(3);
            long end = Long.parseLong(p[1]);
            assertThat(p[2])
                    .as("connection at uptime %s ms", p[0])
                    .doesNotContain("FAIL")
                    .contains("rs11");
            if (Long.parseLong(p[0]) * 1000 >= agentStart && end <= converged) during.add(t);
        }
        assertThat(during).as("connections during the agent's start").hasSizeGreaterThanOrEqualTo(3);

        // converged without a flush: nothing applied, same services, counters only grew
        assertThat(f2.one("agent-payloads"))
                .as("kernel changes the agent made after the reboot")
                .isEqualTo("0");
        assertThat(f2.all("after-agent-ipvs")).containsExactlyInAnyOrderElementsOf(boot1Ipvs);
        assertThat(f2.one("after-agent-members")).isEqualTo(f1.one("boot1-members"));
        assertThat(f2.one("after-agent-rules")).isEqualTo("1 1");
        assertThat(Long.parseLong(f2.one("after-agent-rule-pkts")))
                .as("packets of the mark rule: restored at boot, never re-created")
                .isGreaterThan(Long.parseLong(f2.one("before-agent-rule-pkts")));
        Map<String, Long> before = conns(f2.all("before-agent-conns"));
        Map<String, Long> after = conns(f2.all("after-agent-conns"));
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((mark, n) ->
                assertThat(after.get(mark)).as("connections of fwmark %s", mark).isGreaterThanOrEqualTo(n));
        assertThat(after.get("10"))
                .as("fwmark 10 served the viewer during the agent's start")
                .isGreaterThan(before.get("10"));
    }

    private static Map<String, Long> conns(List<String> lines) {
        Map<String, Long> m = new HashMap<>();
        for (String l : lines) {
            String[] p = l.split(" ");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    /** The examples' desired state, published as an operator would: {@code videolb import DIR --bootstrap B}. */
    private static void publishExamples(Path jar, Path examples, Topics topics)
            throws IOException, InterruptedException {
        Path log = jar.getParent().resolve("deb-boot-vm-it-import.log");
        ProcessBuilder pb = new ProcessBuilder(
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString(),
                        "-jar",
                        jar.toString(),
                        "import",
                        examples.toString(),
                        "--bootstrap",
                        SharedBroker.bootstrapServers(),
                        "--topic-prefix",
                        topics.prefix())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("videolb import did not end within 3 minutes; log: " + log);
        }
        assertThat(p.exitValue())
                .as("videolb import (log %s): %s", log, Files.readString(log))
                .isZero();
    }
}
