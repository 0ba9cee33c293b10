package io.videolb.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.RebootFiles;
import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The merged reboot files load with the real tools, in the boot order (ipset, then iptables), into a fresh network
 * namespace (a "boot"): the operator's set and rules come back beside ours and the jump is PREROUTING's first rule.
 */
class RebootFilesNetnsIT {
    final String ns = "vlb-boot-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    String sh(String stdin, String... argv) {
        return TestNetns.shWithInput(ns, stdin, argv);
    }

    @BeforeEach
    void namespace() {
        TestNetns.add(ns);
    }

    @AfterEach
    void delete() {
        TestNetns.delete(ns);
    }

    @Test
    void mergedFilesLoadInBootOrderWithTheOperatorsPartsAndTheJumpFirst() throws Exception {
        Path ipsets = tmp.resolve("ipsets");
        Path rules = tmp.resolve("rules.v4");
        Files.writeString(
                ipsets, "create admins hash:net family inet hashsize 1024 maxelem 65536\nadd admins 10.5.0.0/16\n");
        Files.writeString(
                rules,
                String.join(
                        "\n",
                        "*mangle",
                        ":PREROUTING ACCEPT [0:0]",
                        "-A PREROUTING -m set --match-set admins src -j MARK --set-xmark 0x9/0xffffffff",
                        "COMMIT",
                        ""));
        KernelState applied = DesiredKernel.compute(
                        Fixtures.cluster(),
                        HealthView.ALL_UP,
                        KernelState.EMPTY,
                        Map.of(),
                        0,
                        Policy.DEFAULT,
                        Names.DEFAULT)
                .state();
        new RebootFiles(null, rules, ipsets, Names.DEFAULT).write(applied, Set.of());

        sh(Files.readString(ipsets), "ipset", "restore");
        sh(Files.readString(rules), "iptables-restore");
        assertThat(sh(null, "ipset", "list", "-n")).contains("admins").contains("videolb-clients");
        List<String> prerouting = sh(null, "iptables-save", "-t", "mangle")
                .lines()
                .filter(l -> l.startsWith("-A PREROUTING"))
                .toList();
        assertThat(prerouting)
                .containsExactly(
                        "-A PREROUTING -j VIDEOLB-STEER",
                        "-A PREROUTING -m set --match-set admins src -j MARK --set-xmark 0x9/0xffffffff");
        assertThat(sh(null, "ipset", "save", "videolb-clients"))
                .contains("add videolb-clients 203.0.113.10 skbmark 0x2");
    }
}
