package io.videolb.agent;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelCapabilities;
import io.videolb.agent.apply.Ownership;
import io.videolb.agent.apply.SyncDaemon;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.agent.loop.Reconciler;
import io.videolb.agent.loop.RunResult;
import io.videolb.agent.plan.Planner;
import io.videolb.agent.render.Renderer;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real iptables and ipset inside private network namespaces created by the test (deleted after).
 * IPVS is absent there: the agent runs the steering part for real and IPVS plan-only.
 * Needs root; fails loudly when the namespace cannot be created, unless VIDEOLB_NETNS_TESTS=skip.
 */
class NetnsSteeringIT {
    static final Duration T = Duration.ofSeconds(20);
    final String id = UUID.randomUUID().toString().substring(0, 8);
    final String dir = "vlb-d-" + id;
    final String cli = "vlb-c-" + id;
    final KernelCapabilities steeringOnly = new KernelCapabilities(true, false, "no IPVS in the test namespace");

    @TempDir
    Path tmp;

    /** Runs each command inside the namespace NS. */
    CommandRunner in(String ns) {
        return TestNetns.in(ns);
    }

    String sh(String ns, String... argv) {
        return TestNetns.sh(ns, argv);
    }

    @BeforeEach
    void namespaces() {
        TestNetns.add(dir, cli);
        // client 203.0.113.10 <-veth-> director 203.0.113.1, VIP 192.0.2.10 on the director
        TestNetns.clientAndDirector(cli, "vc" + id, dir, "vd" + id);
    }

    @AfterEach
    void deleteNamespaces() {
        TestNetns.delete(dir, cli);
    }

    Reconciler reconciler() {
        Kernel k = new Kernel(in(dir), Tools.DEFAULT, Names.DEFAULT);
        return new Reconciler(
                k,
                steeringOnly,
                Policy.DEFAULT,
                new Ownership(tmp.resolve("owned")),
                null,
                null,
                SyncDaemon.NONE,
                System::currentTimeMillis);
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
        // a real TCP SYN from the client namespace to VIP:port; nothing listens, so a RST comes back: that is enough to
        // count
        in(cli).run(List.of("curl", "-s", "--max-time", "2", "http://192.0.2.10:" + port + "/"), null, T);
    }

    @Test
    void marksAreReallySetOnPacketsFromTheClientNamespace() {
        sh(dir, "iptables", "-t", "mangle", "-A", "INPUT", "-m", "mark", "--mark", "0x2", "-j", "ACCEPT");
        sh(dir, "iptables", "-t", "mangle", "-A", "INPUT", "-m", "mark", "--mark", "0x1", "-j", "ACCEPT");
        Reconciler r = reconciler();
        RunResult first = r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(first.errors()).isEmpty();
        assertThat(first.notApplied()).as("IPVS part plan-only").anyMatch(s -> s.contains("fwmark service"));
        connect(1935);
        assertThat(counter("0x2")).as("203.0.113.10 carries its own mark 2").isPositive();
        assertThat(counter("0x1")).isZero();

        // one-client change in place: the same client now goes to mark 1
        RunResult change = r.run(
                snapshot(2, cluster().withClient(Ipv4Network.parse("203.0.113.10"), new Fwmark(1))), HealthView.ALL_UP);
        assertThat(change.applied()).singleElement().asString().contains("203.0.113.10/32 -> 1");
        connect(8080);
        assertThat(counter("0x1")).as("after the change, mark 1").isPositive();

        RunResult again = r.run(
                snapshot(2, cluster().withClient(Ipv4Network.parse("203.0.113.10"), new Fwmark(1))), HealthView.ALL_UP);
        assertThat(again.applied())
                .as("the real kernel reads back exactly as rendered: nothing to do")
                .isEmpty();
    }

    @Test
    void aWholeSetIsReplacedAtomicallyThroughSwapAndTheTempSetIsGone() {
        Reconciler r = reconciler();
        r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        DesiredState big = cluster();
        for (int i = 0; i < 5000; i++)
            big = big.withClient(Ipv4Network.parse("198.18." + (i / 250) + "." + (i % 250 + 1)), new Fwmark(2));
        RunResult res = r.run(snapshot(2, big), HealthView.ALL_UP);
        assertThat(res.errors()).isEmpty();
        assertThat(res.applied()).anyMatch(s -> s.contains("replace client set atomically"));
        assertThat(sh(dir, "ipset", "list", "-n")).isEqualTo("videolb-clients\n");
        assertThat(sh(dir, "ipset", "list", "-t", "videolb-clients"))
                .contains("Number of entries: 5002")
                .doesNotContain("References: 0"); // the rule (match + target) still points at the swapped-in set
        assertThat(r.run(snapshot(2, big), HealthView.ALL_UP).applied()).isEmpty();
    }

    @Test
    void ourRuleDeletedByHandIsRestoredAtTheNextResyncAndReportedAsDrift() {
        Reconciler r = reconciler();
        r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        sh(dir, "iptables", "-t", "mangle", "-F", "VIDEOLB-STEER");
        sh(dir, "iptables", "-t", "mangle", "-D", "PREROUTING", "-j", "VIDEOLB-STEER");
        sh(dir, "ipset", "del", "videolb-clients", "203.0.113.10");
        RunResult res = r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        assertThat(res.errors()).isEmpty();
        assertThat(res.drift()).hasSize(3);
        String save = sh(dir, "iptables-save", "-t", "mangle");
        assertThat(save).contains("-A PREROUTING -j VIDEOLB-STEER").contains("--match-set videolb-clients src -j SET");
        assertThat(sh(dir, "ipset", "save", "videolb-clients"))
                .contains("add videolb-clients 203.0.113.10 skbmark 0x2");
    }

    @Test
    void cleanupRemovesOurChainAndSetAndLeavesForeignMangleRulesIntact() {
        sh(dir, "iptables", "-t", "mangle", "-A", "PREROUTING", "-s", "10.0.0.1/32", "-j", "MARK", "--set-mark", "0x5");
        sh(dir, "ipset", "create", "foreign-set", "hash:ip");
        Reconciler r = reconciler();
        r.run(snapshot(1, cluster()), HealthView.ALL_UP);
        Kernel k = new Kernel(in(dir), Tools.DEFAULT, Names.DEFAULT);
        new Renderer(Names.DEFAULT)
                .render(Planner.cleanup(k.read(steeringOnly), java.util.Set.of()))
                .forEach(k::run);
        String save = sh(dir, "iptables-save", "-t", "mangle");
        assertThat(save)
                .doesNotContain("VIDEOLB-STEER")
                .contains("-A PREROUTING -s 10.0.0.1/32 -j MARK --set-xmark 0x5/0xffffffff");
        assertThat(sh(dir, "ipset", "list", "-n")).isEqualTo("foreign-set\n");
    }
}
