package io.videolb.agent.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.testsupport.vm.IpvsVm;
import io.videolb.testsupport.vm.ScenarioFacts;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two directors on a real IPVS kernel (the qemu VM of tools/ipvs-vm, Debian's kernel): director namespaces
 * dirA and dirB on the servers' LAN, each with the IPVS service as the agent renders it (fwmark, DR,
 * persistence) and the kernel setup the agent applies with {@code VIDEOLB_SYNC_ROLE=both} (each director
 * master with its own sync id and backup with the peer's, {@code backup_only=0}, {@code sloppy_tcp=1}),
 * keepalived VRRP only (unicast, nopreempt, advert 0.2 s), two real servers answering on the VIP, viewers
 * behind a router holding connections with data both ways. The scenario ({@code tools/ipvs-vm/director-ha.sh
 * it}): A dies (link down + SIGKILL of every keepalived process) -> B holds the VIP, every connection
 * established before the kill goes on (and two never synced ones, by sloppy_tcp), new connections are
 * served; A comes back -> no preemption, and B's
 * connections reach A's table through B's own master daemon; then B dies -> A takes over the same way.
 * Times are printed (figures: ipvs-agent/bench/director-ha-bench.sh), not asserted. See
 * docs/director-ha-kernel.md.
 */
class DirectorHaVmIT {

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
    void aDeadDirectorsConnectionsGoOnThroughThePeerAndTheReturningOneDoesNotPreempt() {
        IpvsVm vm = IpvsVm.builder()
                .timeout(Duration.ofMinutes(8))
                .env("HA_CP", IpvsAgentVmIT.classpath())
                .env(
                        "HA_JAVA",
                        Paths.get(System.getProperty("java.home"), "bin", "java")
                                .toString())
                .build();
        IpvsVm.Result r = vm.run(
                "DirectorHaVmIT",
                "bash",
                IpvsVm.toolsDir().resolve("director-ha.sh").toString(),
                "it");
        r.assertSuccess();
        ScenarioFacts f = new ScenarioFacts(r.lines());
        assertThat(f.one("done")).isEqualTo("it");

        // the agent's own setup code (SyncSetupMain: Sysctls + SyncDaemon from VIDEOLB_SYNC_ROLE=both ...)
        for (String d : List.of("dirA", "dirB")) {
            String own = d.equals("dirA") ? "1" : "2";
            String peer = d.equals("dirA") ? "2" : "1";
            assertThat(f.all("agent-setup"))
                    .contains(
                            d + " sysctl net.ipv4.vs.sloppy_tcp 0 -> 1",
                            d + " sysctl net.ipv4.vs.expire_nodest_conn 0 -> 1",
                            d + " started master sync daemon on eth0 syncid " + own,
                            d + " started backup sync daemon on eth0 syncid " + peer,
                            d + " roles master+backup",
                            d + " again 0",
                            d + " again-sysctls []",
                            d + " read net.ipv4.vs.sync_threshold 3 50",
                            d + " read net.ipv4.vs.backup_only 0")
                    .as("the kernel's default threshold is read as it is, not rewritten")
                    .noneMatch(l -> l.startsWith(d + " sysctl net.ipv4.vs.sync_threshold"));
        }
        // the sync daemons of role both: nothing has to switch at a takeover
        assertThat(f.all("daemon"))
                .anyMatch(l -> l.startsWith("dirA master sync daemon (mcast=eth0, syncid=1,"))
                .anyMatch(l -> l.startsWith("dirA backup sync daemon (mcast=eth0, syncid=2,"))
                .anyMatch(l -> l.startsWith("dirB master sync daemon (mcast=eth0, syncid=2,"))
                .anyMatch(l -> l.startsWith("dirB backup sync daemon (mcast=eth0, syncid=1,"));
        assertThat(f.all("sysctl"))
                .containsExactlyInAnyOrder(
                        "dirB backup_only 0",
                        "dirB sloppy_tcp 1",
                        "dirB sync_persist_mode 0",
                        "dirB sync_version 1",
                        "dirB sync_threshold 3 50");

        // A dies: B takes the VIP; every connection opened 3 s before the kill goes on, and the young ones
        // (0.3 s, never synced: B's backup daemon was stopped before they opened) too, by sloppy_tcp + the
        // synced persistence template of their client
        Round t1 = Round.parse("t1", f);
        assertThat(t1.to()).isEqualTo("dirB");
        assertThat(t1.syncedBefore())
                .as("B's table had A's connections before the kill")
                .isGreaterThanOrEqualTo(t1.oldTotal());
        assertThat(t1.oldTotal()).isEqualTo(8);
        assertThat(t1.oldKept()).as("established connections kept").isEqualTo(t1.oldTotal());
        assertThat(t1.youngTotal()).isEqualTo(2);
        assertThat(t1.youngKept())
                .as("never-synced connections kept by sloppy_tcp")
                .isEqualTo(t1.youngTotal());
        assertThat(t1.vipMs()).as("VIP on B").isPositive();
        assertThat(t1.existingMs())
                .as("every old connection answered through B")
                .isPositive();
        assertThat(t1.newConnMs()).as("a new connection served by B").isPositive();

        // A back: it stays backup; B's master (id 2) brings B's connections into A's table (id 2 backup)
        assertThat(f.all("no-preempt")).contains("dirA 4");
        assertThat(f.all("preempted")).isEmpty();
        String[] parity = f.one("parity").split(" ");
        assertThat(Integer.parseInt(parity[0])).as("B's connections").isEqualTo(4);
        assertThat(parity[1]).as("of them in A's table").isEqualTo(parity[0]);

        // and the other way: B dies, A takes over the same way
        Round t2 = Round.parse("t2", f);
        assertThat(t2.to()).isEqualTo("dirA");
        assertThat(t2.oldKept()).isEqualTo(t2.oldTotal()).isEqualTo(8);
        assertThat(t2.youngKept()).isEqualTo(t2.youngTotal()).isEqualTo(2);
        assertThat(t2.newConnMs()).isPositive();
        assertThat(f.all("no-preempt")).contains("dirB 3");
        System.out.println("DirectorHaVmIT figures (ms, one run each): A->B vip " + t1.vipMs() + " existing "
                + t1.existingMs() + " new " + t1.newConnMs() + "; B->A vip " + t2.vipMs() + " existing "
                + t2.existingMs() + " new " + t2.newConnMs() + "; VM "
                + r.elapsed().toSeconds() + " s");
        List<String> transitions = f.all("transitions");
        assertThat(transitions).hasSize(2);
    }
}
