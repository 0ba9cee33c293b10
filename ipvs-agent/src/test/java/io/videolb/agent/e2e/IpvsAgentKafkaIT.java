package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.e2e.TestPublisher.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.IpvsAgent;
import io.videolb.agent.testing.AgentOnBroker;
import io.videolb.events.AgentStatus;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.testsupport.Await;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link IpvsAgent} against the embedded broker (SharedBroker), with its steering applied
 * for real by iptables/ipset inside a private network namespace the test creates; the host kernel
 * has no IPVS, so the IPVS part runs plan-only ("steering-only" mode) and is checked through the
 * published status. Needs root; VIDEOLB_NETNS_TESTS=skip skips loudly.
 */
class IpvsAgentKafkaIT {
    @TempDir
    Path tmp;

    AgentOnBroker fx;
    TestPublisher pub;
    IpvsAgent agent;

    String sh(String... argv) {
        return fx.sh(argv);
    }

    @BeforeEach
    void setUp() {
        fx = AgentOnBroker.inNamespace("vlb-k", "agent-kafka", tmp);
        pub = new TestPublisher(SharedBroker.bootstrapServers(), fx.topics);
    }

    @AfterEach
    void tearDown() {
        if (pub != null) pub.close();
        if (fx != null) fx.close();
    }

    /** Director HA of the agent under test (off unless a test turns it on). */
    io.videolb.agent.director.DirectorSettings ha = io.videolb.agent.director.DirectorSettings.OFF;

    IpvsAgent startAgent() throws Exception {
        agent = fx.start(fx.settings("it-director").ha(ha).build());
        return agent;
    }

    AgentStatus awaitStatus(String what, Predicate<AgentStatus> p) {
        return fx.status.await(what, p);
    }

    /** Waits for one more reconcile run than now (a run the test caused). */
    void awaitNextRun(long before) throws InterruptedException {
        Await.until("a reconcile run after " + before, () -> agent.metrics().runs() > before);
    }

    String members() {
        return sh("ipset", "save", "videolb-clients");
    }

    static DesiredState withClient(DesiredState s, String net, long mark) {
        return s.withClient(Ipv4Network.parse(net), new Fwmark(mark));
    }

    @Test
    void readsTheDesiredTopicFromOffsetZeroAndActsOnlyOnceItHasReadToTheEnd() throws Exception {
        pub.publish(cluster()); // gen 1: 203.0.113.10 -> mark 2
        pub.publish(withClient(cluster(), "203.0.113.10", 1)); // gen 2: the same client -> mark 1
        for (int i = 3; i <= 40; i++)
            pub.publish(withClient(cluster(), "203.0.113." + (100 + i), 2)); // a backlog of generations
        long last = pub.generation();
        startAgent();
        AgentStatus s = awaitStatus("applied generation " + last, st -> st.appliedGeneration() == last);
        assertThat(fx.status.statuses())
                .as("no run on a generation read before the end of the topic")
                .allSatisfy(st -> assertThat(st.desiredGeneration()).isEqualTo(last));
        assertThat(s.mode()).isEqualTo("steering-only");
        assertThat(s.errors())
                .as("the plan-only IPVS part is reported")
                .anyMatch(e -> e.startsWith("plan-only (") && e.contains("change(s) not applied"));
        assertThat(members())
                .contains(
                        "add videolb-clients 203.0.113.140 skbmark 0x2", "add videolb-clients 203.0.113.10 skbmark 0x2")
                .doesNotContain("203.0.113.139");
        assertThat(sh("iptables-save", "-t", "mangle")).contains("-A PREROUTING -j VIDEOLB-STEER");

        // a restart reads from offset 0 again (no committed offsets): it repairs what was changed by hand meanwhile
        fx.stopAgent();
        sh("ipset", "del", "videolb-clients", "203.0.113.140");
        int before = fx.status.statuses().size();
        startAgent();
        AgentStatus again = awaitStatus(
                "after restart", st -> st.appliedGeneration() == last && st.lastRunAtMs() > s.lastRunAtMs());
        assertThat(fx.status.statuses().subList(before, fx.status.statuses().size()))
                .allSatisfy(st -> assertThat(st.desiredGeneration()).isEqualTo(last));
        assertThat(again.errors()).noneMatch(e -> !e.startsWith("plan-only"));
        assertThat(members()).contains("add videolb-clients 203.0.113.140 skbmark 0x2");
    }

    @Test
    void appliesANewGenerationAndNeverHalfOfOne() throws Exception {
        pub.publish(cluster());
        startAgent();
        awaitStatus("generation 1", st -> st.appliedGeneration() == 1);
        assertThat(members()).contains("add videolb-clients 203.0.113.10 skbmark 0x2");

        long g2 = pub.publish(withClient(cluster(), "203.0.113.11", 1));
        awaitStatus("generation 2", st -> st.appliedGeneration() == g2);
        assertThat(members()).contains("add videolb-clients 203.0.113.11 skbmark 0x1");

        // an aborted transaction (records AND marker) and records committed without their marker
        pub.publishAborted(withClient(withClient(cluster(), "203.0.113.11", 1), "203.0.113.12", 2));
        DesiredState half = withClient(withClient(cluster(), "203.0.113.11", 1), "203.0.113.13", 2);
        pub.publishWithoutMarker(half);
        Thread.sleep(1500); // give the follower time to read them (what follows proves they were read and ignored)
        long runs = agent.metrics().runs();
        agent.resyncNow();
        awaitNextRun(runs);
        assertThat(agent.lastRun().orElseThrow().generation()).isEqualTo(g2);
        assertThat(members()).doesNotContain("203.0.113.12").doesNotContain("203.0.113.13");

        // the marker closes the half generation: now (and only now) it is applied
        long g3 = pub.closeHalf();
        awaitStatus("generation " + g3, st -> st.appliedGeneration() == g3);
        assertThat(members())
                .contains("add videolb-clients 203.0.113.13 skbmark 0x2")
                .doesNotContain("203.0.113.12");
    }

    @Test
    void dropsHealthVerdictsWithStaleSequencesAndPublishesItsStatusAndServesMetricsAndHealth() throws Exception {
        pub.publish(cluster());
        startAgent();
        awaitStatus("generation 1", st -> st.appliedGeneration() == 1);
        assertThat(inService(awaitStatus("pool 1 whole", st -> true), 1)).anyMatch(s -> s.startsWith("198.51.100.1:"));

        pub.verdicts(0, List.of(verdict("198.51.100.1", false, 5)));
        AgentStatus down = awaitStatus(
                "198.51.100.1 replaced by its backup",
                st -> substitutions(st, 1).contains("198.51.100.1->198.51.100.11"));
        assertThat(inService(down, 1))
                .noneMatch(s -> s.startsWith("198.51.100.1:"))
                .anyMatch(s -> s.startsWith("198.51.100.11:"));

        // a stale UP (sequence 3 < 5), then a fresh verdict for an unrelated address on the SAME partition:
        // the run it causes happens after the stale one was read, and must still see 198.51.100.1 down
        long runs = agent.metrics().runs();
        pub.verdicts(0, List.of(verdict("198.51.100.1", true, 3), verdict("198.51.100.77", true, 1)));
        awaitNextRun(runs);
        assertThat(agent.lastRun().orElseThrow().desired().pools())
                .filteredOn(p -> p.mark() == 1)
                .singleElement()
                .satisfies(p ->
                        assertThat(p.substitutions()).as("stale UP dropped").contains("198.51.100.1->198.51.100.11"));

        pub.verdicts(0, List.of(verdict("198.51.100.1", true, 6)));
        AgentStatus back = awaitStatus(
                "198.51.100.1 back (hold-down 0)",
                st -> inService(st, 1).stream().anyMatch(s -> s.startsWith("198.51.100.1:")));
        assertThat(substitutions(back, 1)).isEmpty();

        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> metrics = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/metrics"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains(
                        "videolb_agent_applied_generation{service=\"ipvs-agent\"} 1.0",
                        "videolb_agent_mode{mode=\"steering-only\",service=\"ipvs-agent\"} 1",
                        "videolb_agent_reconcile_runs_total{service=\"ipvs-agent\"} ",
                        "videolb_build_info{service=\"ipvs-agent\",version=\"");
        HttpResponse<String> health = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        io.vertx.core.json.JsonObject h = new io.vertx.core.json.JsonObject(health.body());
        assertThat(h.getString("status")).isEqualTo("UP");
        assertThat(h.getBoolean("topicsRead")).isTrue();
        assertThat(h.getLong("appliedGeneration")).isEqualTo(1L);
        assertThat(h.getString("mode")).isEqualTo("steering-only");
    }

    static List<String> inService(AgentStatus s, long mark) {
        return s.pools().stream()
                .filter(p -> p.mark() == mark)
                .findFirst()
                .map(AgentStatus.PoolStatus::inService)
                .orElse(List.of());
    }

    static List<String> substitutions(AgentStatus s, long mark) {
        return s.pools().stream()
                .filter(p -> p.mark() == mark)
                .findFirst()
                .map(AgentStatus.PoolStatus::substitutions)
                .orElse(List.of());
    }

    /**
     * Director HA in the real agent (issue 10): keepalived (real, in the test namespace, via a wrapper
     * chosen by the keepalived-binary setting) gets the VIP of the desired state, the agent learns MASTER
     * through the fifo and publishes it in AgentStatus.ha, /metrics has the VRRP series, and stopping the
     * agent stops keepalived (the VIP leaves the interface).
     */
    @Test
    void withDirectorHaTheAgentRunsKeepalivedForTheVipAndPublishesItsVrrpState() throws Exception {
        sh("ip", "link", "add", "vrrp0", "type", "veth", "peer", "name", "vrrp1");
        sh("ip", "addr", "add", "198.51.100.1/24", "dev", "vrrp0");
        sh("ip", "link", "set", "vrrp0", "up");
        sh("ip", "link", "set", "vrrp1", "up");
        Path wrapper = tmp.resolve("keepalived-in-ns.sh");
        java.nio.file.Files.writeString(
                wrapper, "#!/bin/sh\nexec /usr/sbin/ip netns exec " + fx.ns + " /usr/sbin/keepalived \"$@\"\n");
        java.nio.file.Files.setPosixFilePermissions(
                wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        ha = new io.videolb.agent.director.DirectorSettings(
                true,
                "vrrp0",
                78,
                120,
                List.of(io.videolb.model.Ipv4Address.parse("198.51.100.2")),
                20,
                null,
                "it-peer",
                wrapper,
                tmp.resolve("ka/videolb.conf"),
                tmp.resolve("ka/run"));
        pub.publish(cluster());
        startAgent();
        AgentStatus s = awaitStatus(
                "ha MASTER", st -> st.ha() != null && st.ha().vrrpState().equals("MASTER"));
        assertThat(s.ha().holdsVip()).isTrue();
        assertThat(s.ha().peer()).isEqualTo("it-peer");
        // no peer ever advertised: keepalived became MASTER after its first master-down interval. The agent reads
        // that from the timing of the fifo's notice (within 3 adverts + 0.5 s of keepalived's start); a machine too
        // loaded to deliver the notice in time gets the wording for a peer that stopped advertising instead. Either
        // way the reason names the cause of this takeover, never an operator's promote
        assertThat(s.ha().lastTakeoverReason())
                .containsAnyOf("keepalived started and heard no master", "it-peer stopped advertising")
                .doesNotContain("promoted");
        assertThat(s.ha().syncRole()).isEqualTo("off");
        assertThat(sh("ip", "-o", "-4", "addr", "show", "dev", "vrrp0")).contains("192.0.2.10/32");
        assertThat(java.nio.file.Files.readString(tmp.resolve("ka/videolb.conf")))
                .contains("192.0.2.10/32 dev vrrp0", "nopreempt");
        HttpResponse<String> metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("videolb_agent_vrrp_state{", "videolb_agent_vrrp_takeovers_total{");
        List<Long> pids = agent.director().keepalivedPids();
        assertThat(pids).hasSize(2);
        fx.stopAgent();
        for (long pid : pids)
            assertThat(java.nio.file.Files.exists(Path.of("/proc/" + pid + "/cmdline"))
                            && !java.nio.file.Files.readString(Path.of("/proc/" + pid + "/cmdline"))
                                    .isEmpty())
                    .as("keepalived " + pid + " stopped with the agent")
                    .isFalse();
        assertThat(sh("ip", "-o", "-4", "addr", "show", "dev", "vrrp0")).doesNotContain("192.0.2.10/32");
    }
}
