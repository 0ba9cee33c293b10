package io.videolb.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.model.Fwmark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reboot files merge with the operator's own content: foreign services, sets and rules stay, ours are replaced. */
class RebootFilesTest {
    @TempDir
    Path dir;

    final KernelState applied = DesiredKernel.compute(
                    io.videolb.agent.Fixtures.cluster(),
                    HealthView.ALL_UP,
                    KernelState.EMPTY,
                    Map.of(),
                    0,
                    Policy.DEFAULT,
                    Names.DEFAULT)
            .state();

    Path ipvs() {
        return dir.resolve("ipvsadm.rules");
    }

    Path ipsets() {
        return dir.resolve("iptables/ipsets");
    }

    Path rules() {
        return dir.resolve("iptables/rules.v4");
    }

    RebootFiles files() {
        return new RebootFiles(ipvs(), rules(), ipsets(), Names.DEFAULT);
    }

    @Test
    void ipvsadmRulesKeepTheOperatorsServicesAndReplaceOnlyVideolbsFwmarks() throws Exception {
        Files.writeString(
                ipvs(),
                String.join(
                        "\n",
                        "# operator's web service",
                        "-A -t 10.9.9.9:80 -s rr",
                        "-a -t 10.9.9.9:80 -r 10.9.9.1:80 -m -w 1",
                        "-A -f 1 -s rr -p 60", // ours, stale: replaced
                        "-a -f 1 -r 198.51.100.99:0 -g -w 1",
                        "-A -f 9 -s wlc", // a mark videolb owned and deleted: goes
                        "-a -f 9 -r 198.51.100.9:0 -g -w 1",
                        "-A -f 77 -s sh", // a foreign fwmark service: stays
                        "-a -f 77 -r 10.7.7.7:0 -g -w 3",
                        ""));
        files().write(applied, Set.of(new Fwmark(9)));
        String out = Files.readString(ipvs());
        assertThat(out)
                .contains(
                        "# operator's web service\n-A -t 10.9.9.9:80 -s rr\n-a -t 10.9.9.9:80 -r 10.9.9.1:80 -m -w 1\n")
                .contains("-A -f 77 -s sh\n-a -f 77 -r 10.7.7.7:0 -g -w 3\n")
                .contains("-A -f 1 -s wlc -p 300\n-a -f 1 -r 198.51.100.1 -g -w 1\n")
                .contains("-A -f 2 -s rr -p 300\n")
                .doesNotContain("198.51.100.99")
                .doesNotContain("-f 9 ")
                .doesNotContain("-p 60");
        files().write(applied, Set.of());
        assertThat(Files.readString(ipvs())).as("idempotent").isEqualTo(out);
    }

    @Test
    void theIpsetFileKeepsForeignSetsAndReplacesOurs() throws Exception {
        Files.createDirectories(ipsets().getParent());
        Files.writeString(
                ipsets(),
                String.join(
                        "\n",
                        "create blocklist hash:ip family inet hashsize 1024 maxelem 65536",
                        "add blocklist 10.6.6.6",
                        "create videolb-clients hash:net family inet hashsize 1024 maxelem 65536 skbinfo",
                        "add videolb-clients 203.0.113.99 skbmark 0x7",
                        "create videolb-clients-tmp hash:net family inet hashsize 1024 maxelem 65536 skbinfo",
                        "create admins hash:net family inet hashsize 1024 maxelem 65536",
                        "add admins 10.5.0.0/16",
                        ""));
        files().write(applied, Set.of());
        String out = Files.readString(ipsets());
        assertThat(out)
                .startsWith("create blocklist hash:ip family inet hashsize 1024 maxelem 65536\nadd blocklist 10.6.6.6\n"
                        + "create admins hash:net family inet hashsize 1024 maxelem 65536\nadd admins 10.5.0.0/16\n")
                .contains("create videolb-clients hash:net family inet hashsize 1024 maxelem 65536 skbinfo -exist\n"
                        + "flush videolb-clients\n")
                .contains("add videolb-clients 203.0.113.10 skbmark 0x2\n")
                .doesNotContain("203.0.113.99")
                .doesNotContain("videolb-clients-tmp");
        files().write(applied, Set.of());
        assertThat(Files.readString(ipsets())).isEqualTo(out);
    }

    @Test
    void rulesV4KeepsForeignRulesAndPutsTheJumpFirstInPreroutingAsAtRunTime() throws Exception {
        Files.createDirectories(rules().getParent());
        Files.writeString(
                rules(),
                String.join(
                        "\n",
                        "*filter",
                        ":INPUT ACCEPT [0:0]",
                        "-A INPUT -s 10.0.0.0/8 -j ACCEPT",
                        "COMMIT",
                        "*mangle",
                        ":PREROUTING ACCEPT [0:0]",
                        ":OPERATOR - [0:0]",
                        ":VIDEOLB-STEER - [0:0]",
                        "-A PREROUTING -s 203.0.113.50/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0x3/0xffffffff",
                        "-A PREROUTING -j VIDEOLB-STEER", // ours, after the foreign rule: moved to the front
                        "-A OPERATOR -j RETURN",
                        "-A VIDEOLB-STEER -d 192.0.2.99/32 -j SET --map-set old src --map-mark",
                        "COMMIT",
                        ""));
        files().write(applied, Set.of());
        List<String> out = Files.readAllLines(rules());
        assertThat(out)
                .containsExactly(
                        "*filter",
                        ":INPUT ACCEPT [0:0]",
                        "-A INPUT -s 10.0.0.0/8 -j ACCEPT",
                        "COMMIT",
                        "*mangle",
                        ":PREROUTING ACCEPT [0:0]",
                        ":OPERATOR - [0:0]",
                        ":VIDEOLB-STEER - [0:0]",
                        "-A PREROUTING -j VIDEOLB-STEER",
                        "-A PREROUTING -s 203.0.113.50/32 -p tcp -m tcp --dport 1935 -j MARK --set-xmark 0x3/0xffffffff",
                        "-A OPERATOR -j RETURN",
                        "-A VIDEOLB-STEER " + applied.chainRules().get(0),
                        "COMMIT");
        String once = Files.readString(rules());
        files().write(applied, Set.of());
        assertThat(Files.readString(rules())).isEqualTo(once);
    }

    @Test
    void rulesV4WithoutAMangleBlockGetsOneAndNoFileIsRequired() throws Exception {
        files().write(applied, Set.of());
        assertThat(Files.readAllLines(rules()))
                .containsSubsequence("*mangle", ":VIDEOLB-STEER - [0:0]", "-A PREROUTING -j VIDEOLB-STEER", "COMMIT");
        assertThat(Files.readString(ipvs())).startsWith("-A -f 1 -s wlc -p 300\n");
        assertThat(Files.readString(ipsets())).startsWith("create videolb-clients ");
    }

    @Test
    void anUnreadableFileIsNotOverwritten() throws Exception {
        Files.createDirectories(ipvs()); // a directory where the file should be: reading it fails
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> files().write(applied, Set.of()))
                .isInstanceOf(java.io.IOException.class);
        assertThat(Files.isDirectory(ipvs())).isTrue();
    }

    @Test
    void firstWordsSplitsOnWhitespaceLikeTheRegexItReplaced() {
        assertThat(RebootFiles.firstWords("  add\tvideolb-clients  10.0.0.1 skbmark 0x1 ", 3))
                .containsExactly("add", "videolb-clients", "10.0.0.1");
        assertThat(RebootFiles.firstWords("create x", 3)).containsExactly("create", "x");
        assertThat(RebootFiles.firstWords("   ", 3)).isEmpty();
    }

    @Test
    void aLargeSetIsCreatedAtBootWithTheHashSizeItNeeds() throws Exception {
        java.util.TreeMap<io.videolb.model.Ipv4Network, Fwmark> members = new java.util.TreeMap<>();
        for (int i = 0; i < 5000; i++)
            members.put(
                    io.videolb.model.Ipv4Network.host(new io.videolb.model.Ipv4Address(0x0a000000 + i)), new Fwmark(2));
        KernelState big = new KernelState(
                new KernelState.SetState(65536, members, 0),
                false,
                applied.chainExists(),
                applied.chainRules(),
                1,
                applied.services());
        files().write(big, Set.of());
        assertThat(Files.readString(ipsets()))
                .startsWith("create videolb-clients hash:net family inet hashsize 4096 maxelem 65536 skbinfo -exist\n");
    }
}
