package io.videolb.agent;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.MarkMigration;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.model.Ipv4Address;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A director migrated from the original script setup, in private namespaces: the original per-client MARK rules are
 * loaded beside videolb's steering (after its jump, as the old script appended them), a real client's packets carry
 * the OLD mark, the agent reports the rules, {@code migrate-marks} shows them, and with apply removes exactly them;
 * afterwards the packets carry videolb's mark, and the operator's other rules are all still there. Needs root.
 */
class MarkMigrationNetnsIT {
    static final Duration T = Duration.ofSeconds(20);
    final String id = UUID.randomUUID().toString().substring(0, 8);
    final String dir = "vlb-md-" + id;
    final String cli = "vlb-mc-" + id;
    final KernelCapabilities steeringOnly = new KernelCapabilities(true, false, "no IPVS in the test namespace");

    @TempDir
    Path tmp;

    CommandRunner in(String ns) {
        return TestNetns.in(ns);
    }

    String sh(String ns, String... argv) {
        return TestNetns.sh(ns, argv);
    }

    @BeforeEach
    void namespaces() {
        TestNetns.add(dir, cli);
        TestNetns.clientAndDirector(cli, "mc" + id, dir, "md" + id);
    }

    @AfterEach
    void deleteNamespaces() {
        TestNetns.delete(dir, cli);
    }

    long counter(String mark) {
        for (String line : sh(dir, "iptables", "-t", "mangle", "-L", "INPUT", "-v", "-n", "-x")
                .split("\n")) {
            if (line.contains("mark match " + mark))
                return Long.parseLong(line.trim().split("\\s+")[0]);
        }
        throw new AssertionError("no counter rule for " + mark);
    }

    void connect(int port) {
        in(cli).run(List.of("curl", "-s", "--max-time", "2", "http://192.0.2.10:" + port + "/"), null, T);
    }

    @Test
    void theOriginalPerClientRulesAreReportedThenRemovedExactlyAndSteeringTakesOver() {
        for (String m : List.of("0x2", "0x7"))
            sh(dir, "iptables", "-t", "mangle", "-A", "INPUT", "-m", "mark", "--mark", m, "-j", "ACCEPT");
        Kernel k = new Kernel(in(dir), Tools.DEFAULT, Names.DEFAULT);
        Reconciler r = new Reconciler(
                k,
                steeringOnly,
                Policy.DEFAULT,
                new Ownership(tmp.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                System::currentTimeMillis);
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).errors()).isEmpty();
        // the original script's rules, appended after videolb's jump: client 203.0.113.10 -> mark 7 (videolb: 2),
        // twice for 1935 (the script was not idempotent), the default rule, and an operator rule of another shape
        for (String port : List.of("1935", "8080", "1935"))
            sh(
                    dir,
                    "iptables",
                    "-t",
                    "mangle",
                    "-A",
                    "PREROUTING",
                    "-s",
                    "203.0.113.10",
                    "-p",
                    "tcp",
                    "--dport",
                    port,
                    "-j",
                    "MARK",
                    "--set-mark",
                    "7");
        sh(
                dir,
                "iptables",
                "-t",
                "mangle",
                "-A",
                "PREROUTING",
                "-s",
                "203.0.113.0/24",
                "-p",
                "tcp",
                "-m",
                "multiport",
                "--dports",
                "1935,8080",
                "-m",
                "mark",
                "--mark",
                "0x0",
                "-j",
                "MARK",
                "--set-mark",
                "1");
        sh(
                dir,
                "iptables",
                "-t",
                "mangle",
                "-A",
                "PREROUTING",
                "-s",
                "203.0.113.10",
                "-p",
                "tcp",
                "--dport",
                "1935",
                "-m",
                "comment",
                "--comment",
                "operator rule",
                "-j",
                "MARK",
                "--set-mark",
                "7");

        RunResult seen = r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(seen.foreignRules())
                .as("the agent reports every rule that can override its marks")
                .hasSize(4)
                .allMatch(l -> l.contains("-s 203.0.113.10/32"));
        connect(1935);
        assertThat(counter("0x7"))
                .as("the old rules win: the client goes where the old files said")
                .isPositive();
        assertThat(counter("0x2")).isZero();

        Ipv4Address vip = Ipv4Address.parse("192.0.2.10");
        ByteArrayOutputStream shown = new ByteArrayOutputStream();
        MarkMigration.Outcome show =
                MarkMigration.run(k, steeringOnly, vip, false, new PrintStream(shown, true, StandardCharsets.UTF_8));
        assertThat(show.matched()).hasSize(3);
        assertThat(show.leftAlone()).singleElement().asString().contains("operator rule");
        assertThat(show.removed()).isFalse();
        String before = sh(dir, "iptables-save", "-t", "mangle");
        assertThat(before).contains("--dport 8080 -j MARK");

        ByteArrayOutputStream applied = new ByteArrayOutputStream();
        MarkMigration.Outcome done =
                MarkMigration.run(k, steeringOnly, vip, true, new PrintStream(applied, true, StandardCharsets.UTF_8));
        assertThat(done.removed()).isTrue();
        List<String> pre = sh(dir, "iptables-save", "-t", "mangle")
                .lines()
                .filter(l -> l.startsWith("-A PREROUTING"))
                .toList();
        assertThat(pre)
                .as("exactly the three per-client rules are gone; the jump, the default rule and the operator's stay")
                .hasSize(3)
                .anyMatch(l -> l.equals("-A PREROUTING -j VIDEOLB-STEER"))
                .anyMatch(l -> l.contains("-m mark --mark 0x0"))
                .anyMatch(l -> l.contains("operator rule"));
        sh(
                dir,
                "iptables",
                "-t",
                "mangle",
                "-D",
                "PREROUTING",
                "-s",
                "203.0.113.10",
                "-p",
                "tcp",
                "--dport",
                "1935",
                "-m",
                "comment",
                "--comment",
                "operator rule",
                "-j",
                "MARK",
                "--set-mark",
                "7"); // the operator decides
        connect(1935);
        long old = counter("0x7");
        connect(8080);
        assertThat(counter("0x2")).as("videolb's steering decides now").isPositive();
        assertThat(counter("0x7")).isEqualTo(old);
        assertThat(r.run(snapshot(1, cluster()), HealthView.ALL_UP).foreignRules())
                .isEmpty();
    }
}
