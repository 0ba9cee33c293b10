package io.videolb.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.apply.KernelMode;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@link IpvsAgent} (plan-only, against the test JVM's embedded broker) serving
 * {@code GET /persistence} from a proc root that is a temp folder holding the IPVS tables captured
 * on a real kernel (test resources io/videolb/agent/observed/*.debian-6.1.txt).
 */
class AgentPersistenceIT {
    @TempDir
    Path tmp;

    Path proc;
    IpvsAgent agent;
    ServiceRuntime runtime;
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static String golden(String name) throws IOException {
        try (InputStream in = AgentPersistenceIT.class.getResourceAsStream("/io/videolb/agent/observed/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @BeforeEach
    void startAgent() throws Exception {
        proc = tmp.resolve("proc");
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/ip_vs_conn"), golden("ip_vs_conn.debian-6.1.txt"));
        Files.writeString(proc.resolve("net/ip_vs"), golden("ip_vs.debian-6.1.txt"));
        Files.createDirectories(tmp.resolve("state"));
        AgentSettings config = AgentSettings.builder()
                .director("it-persistence")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(SharedBroker.freshTopics("agent-persist"))
                .procRoot(proc)
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .drainPoll(Duration.ofSeconds(1))
                .planOnly(true)
                .build();
        runtime = ServiceRuntime.create();
        agent = runtime.deploy(new IpvsAgent(config, runtime));
        assertThat(agent.capabilities().mode()).isEqualTo(KernelMode.PLAN_ONLY);
    }

    @AfterEach
    void stop() {
        if (runtime != null) runtime.close();
    }

    HttpResponse<String> get(String pathAndQuery) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + pathAndQuery))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answersTheClientsTemplatesAndConnectionsFromTheProcTable() throws Exception {
        HttpResponse<String> r = get("/persistence?client=203.0.113.21");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        assertThat(r.body())
                .isEqualTo(
                        "{\"client\":\"203.0.113.21\",\"templates\":["
                                + "{\"fwmark\":10,\"server\":\"192.0.2.11\",\"expiresSeconds\":56,\"state\":\"ASSURED\",\"from\":\"203.0.113.21\"},"
                                + "{\"fwmark\":20,\"server\":\"192.0.2.12\",\"expiresSeconds\":117,\"state\":\"ASSURED\",\"from\":\"203.0.113.0\"}],"
                                + "\"connections\":[{\"fwmark\":10,\"server\":\"192.0.2.11\",\"serverPort\":1935,\"state\":\"FIN_WAIT\",\"expiresSeconds\":116,"
                                + "\"protocol\":\"TCP\",\"clientPort\":49084,\"virtual\":\"198.51.100.10\",\"virtualPort\":1935}],"
                                + "\"connectionsOmitted\":0,\"linesRead\":6,\"malformedLines\":0,\"ipv6Skipped\":0,\"complete\":true}");

        HttpResponse<String> none = get("/persistence?client=192.0.2.200");
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.body())
                .isEqualTo("{\"client\":\"192.0.2.200\",\"templates\":[],\"connections\":[],\"connectionsOmitted\":0,"
                        + "\"linesRead\":6,\"malformedLines\":0,\"ipv6Skipped\":0,\"complete\":true}");
    }

    @Test
    void refusesAClientThatIsNotAStrictIpv4AddressNamingTheField() throws Exception {
        for (String bad : List.of("010.0.0.1", "203.0.113.256", "example.com", "-1.2.3.4", "203.0.113.21\n", "")) {
            HttpResponse<String> r = get("/persistence?client=" + URLEncoder.encode(bad, StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.headers().firstValue("content-type")).contains("application/json");
            assertThat(r.body()).as(bad).startsWith("{\"field\":\"client\",\"message\":\"client: ");
        }
        assertThat(get("/persistence").body()).isEqualTo("{\"field\":\"client\",\"message\":\"client: is missing\"}");
        assertThat(get("/persistence?client=203.0.113.21&client=203.0.113.22").body())
                .isEqualTo("{\"field\":\"client\",\"message\":\"client: is given more than once\"}");
        assertThat(get("/persistence?client=010.0.0.1").body())
                .isEqualTo(
                        "{\"field\":\"client\",\"message\":\"client: '010.0.0.1' has an octet with a leading zero (iptables would read it as octal)\"}");
    }

    @Test
    void answers503WithAPlainReasonWhereThereIsNoIpvs() throws Exception {
        Files.delete(proc.resolve("net/ip_vs_conn"));
        HttpResponse<String> r = get("/persistence?client=203.0.113.21");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("content-type")).contains("text/plain; charset=utf-8");
        assertThat(r.body())
                .isEqualTo("no IPVS here: " + proc.resolve("net/ip_vs_conn")
                        + " does not exist (plan-only machine or ip_vs not loaded)\n");
        assertThat(get("/health").statusCode())
                .as("the rest of the agent's HTTP is unaffected")
                .isIn(200, 503);
        HttpResponse<String> metrics = get("/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains(
                        "videolb_agent_mode{mode=\"plan-only\",service=\"ipvs-agent\"} 1",
                        "videolb_build_info{service=\"ipvs-agent\",version=\"");
    }

    @Test
    void readsALargeTableInBoundsKeepingOnlyTheClientsLinesAndKeepsAnsweringMeanwhile() throws Exception {
        // 300,000 entries of other clients, 250 of ours, hostile lines, our template at the very end
        try (Writer w = Files.newBufferedWriter(proc.resolve("net/ip_vs_conn"), StandardCharsets.US_ASCII)) {
            w.write("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n");
            for (int i = 0; i < 300_000; i++) {
                w.write(String.format(
                        "TCP %08X %04X C633640A 078F C000020C 078F ESTABLISHED     %d%n",
                        0xC6120000 + i, 1024 + i % 60000, i % 900));
                if (i % 1200 == 0)
                    w.write(String.format(
                            "TCP CB007115 %04X C633640A 078F C000020B 078F ESTABLISHED     899%n", 2000 + i / 1200));
                if (i % 100_000 == 0)
                    w.write("TCP CB007115 BFBC C633640A 078F C000020B 078F \u0000\u001b[31m 1\n" + "z".repeat(5000)
                            + "\n");
            }
            w.write("IP  CB007115 0000 0000000A 0000 C000020B 0000 ASSURED          42\n");
        }
        List<CompletableFuture<HttpResponse<String>>> parallel = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            parallel.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + agent.httpPort() + "/persistence?client=203.0.113.21"))
                            .timeout(Duration.ofSeconds(30))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long t0 = System.nanoTime();
        HttpResponse<String> health = get("/metrics");
        assertThat(health.statusCode())
                .as("the event loop is not blocked by the reads")
                .isEqualTo(200);
        for (CompletableFuture<HttpResponse<String>> f : parallel) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body())
                    .startsWith(
                            "{\"client\":\"203.0.113.21\",\"templates\":[{\"fwmark\":10,\"server\":\"192.0.2.11\",\"expiresSeconds\":42,"
                                    + "\"state\":\"ASSURED\",\"from\":\"203.0.113.21\"}],\"connections\":[{\"fwmark\":10,\"server\":\"192.0.2.11\",\"serverPort\":1935,"
                                    + "\"state\":\"ESTABLISHED\",\"expiresSeconds\":899,\"protocol\":\"TCP\",\"clientPort\":2000,")
                    .endsWith(
                            ",\"connectionsOmitted\":150,\"linesRead\":300258,\"malformedLines\":6,\"ipv6Skipped\":0,\"complete\":true,"
                                    + "\"firstMalformed\":\"line 4: State: not a state word\"}");
            assertThat(r.body().split("\"protocol\"")).hasSize(101);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    }
}
