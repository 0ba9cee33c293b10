package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.videolb.config.client.AdminClient;
import io.videolb.config.client.AgentClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code videolb explain IP} against the real admin API (ApiFixture on the embedded broker, the
 * example cluster) and a small local HTTP server standing in for the director's agent
 * ({@code GET /persistence}, with answers the real agent gives: see ipvs-agent's AgentPersistenceIT).
 */
class ExplainPersistenceIT {
    static ApiFixture fx;
    static final String API_LINES = """
            203.0.113.21: mark 10 (client entry 203.0.113.21/32)
            pool 10, scheduler rr, persistence 60 s
              server 192.0.2.11 weight 1 unknown, backup 192.0.2.21 unknown
            """;
    static final String REAL_AGENT_ANSWER = "{\"client\":\"203.0.113.21\",\"templates\":["
            + "{\"fwmark\":10,\"server\":\"192.0.2.11\",\"expiresSeconds\":56,\"state\":\"ASSURED\",\"from\":\"203.0.113.21\"},"
            + "{\"fwmark\":20,\"server\":\"192.0.2.12\",\"expiresSeconds\":117,\"state\":\"ASSURED\",\"from\":\"203.0.113.0\"}],"
            + "\"connections\":[{\"fwmark\":10,\"server\":\"192.0.2.11\",\"serverPort\":1935,\"state\":\"FIN_WAIT\",\"expiresSeconds\":116,"
            + "\"protocol\":\"TCP\",\"clientPort\":49084,\"virtual\":\"198.51.100.10\",\"virtualPort\":1935}],"
            + "\"connectionsOmitted\":0,\"linesRead\":6,\"malformedLines\":0,\"ipv6Skipped\":0,\"complete\":true}";

    HttpServer agent;
    final List<String> asked = new CopyOnWriteArrayList<>();
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeAll
    static void start() throws Exception {
        fx = new ApiFixture("explain-persist");
        fx.importExample();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) fx.close();
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) agent.stop(0);
    }

    /** A stand-in agent answering every request with {@code status} and {@code body}. */
    AgentClient agentAnswering(int status, String contentType, String body) throws Exception {
        agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/", ex -> {
            asked.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("content-type", contentType);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        agent.start();
        return new AgentClient(
                URI.create("http://127.0.0.1:" + agent.getAddress().getPort()), Duration.ofSeconds(5));
    }

    CliVerbs cli(AdminClient api, AgentClient a) {
        return new CliVerbs(
                        api,
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8))
                .withAgent(a);
    }

    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void namesTheServerThatHoldsThePersistenceAsTheAgentReportsIt() throws Exception {
        ExitCode code = cli(fx.reader, agentAnswering(200, "application/json", REAL_AGENT_ANSWER))
                .explain("203.0.113.21");
        assertThat(code).isEqualTo(ExitCode.OK);
        assertThat(asked).containsExactly("GET /persistence?client=203.0.113.21");
        assertThat(out())
                .isEqualTo(API_LINES
                        + "persistence: held by 192.0.2.11 in pool 10 (expires in 56 s)\n"
                        + "persistence: held by 192.0.2.12 in pool 20 for its network 203.0.113.0 (persistence netmask) (expires in 117 s)\n"
                        + "connections: 1 (1 FIN_WAIT)\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void saysThereIsNoTemplateWhenTheAgentHasNone() throws Exception {
        ExitCode code = cli(
                        fx.reader,
                        agentAnswering(
                                200,
                                "application/json",
                                "{\"client\":\"203.0.113.21\",\"templates\":[],\"connections\":[],"
                                        + "\"connectionsOmitted\":0,\"linesRead\":1,\"malformedLines\":0,\"ipv6Skipped\":0,\"complete\":true}"))
                .explain("203.0.113.21");
        assertThat(code).isEqualTo(ExitCode.OK);
        assertThat(out()).isEqualTo(API_LINES + "persistence: no template (the next connection picks a server)\n");
    }

    @Test
    void anAgentThatCannotBeReachedGivesOneLineAndTheApisExitCode() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        AgentClient nowhere = new AgentClient(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(2));
        assertThat(cli(fx.reader, nowhere).explain("203.0.113.21")).isEqualTo(ExitCode.OK);
        assertThat(out())
                .startsWith(API_LINES + "persistence: unknown (no agent at http://127.0.0.1:" + port + ": ")
                .endsWith(")\n");
        assertThat(out().substring(API_LINES.length()).lines()).hasSize(1);

        out.reset();
        AdminClient noApi = new AdminClient(URI.create("http://127.0.0.1:" + port), "x");
        assertThat(cli(noApi, agentAnswering(200, "application/json", REAL_AGENT_ANSWER))
                        .explain("203.0.113.21"))
                .as("the API decides the exit code")
                .isEqualTo(ExitCode.API_UNAVAILABLE);
        assertThat(asked).as("no explanation, no agent question").isEmpty();
        assertThat(out()).isEmpty();
    }

    @Test
    void anAgentWithoutIpvsSaysWhyInOneLine() throws Exception {
        AgentClient a = agentAnswering(
                503,
                "text/plain; charset=utf-8",
                "no IPVS here: /proc/net/ip_vs_conn does not exist (plan-only machine or ip_vs not loaded)\n");
        assertThat(cli(fx.reader, a).explain("203.0.113.21")).isEqualTo(ExitCode.OK);
        assertThat(out())
                .isEqualTo(
                        API_LINES + "persistence: unknown (agent at " + a.base()
                                + ": no IPVS here: /proc/net/ip_vs_conn does not exist (plan-only machine or ip_vs not loaded) (HTTP 503))\n");
    }

    @Test
    void aHostileAgentAnswerNeverReachesTheOutput() throws Exception {
        for (String body : List.of(
                REAL_AGENT_ANSWER.replace(
                        "\"server\":\"192.0.2.11\",\"expiresSeconds\":56",
                        "\"server\":\"192.0.2.11\\n\\u001b[2Jrm -rf\",\"expiresSeconds\":56"),
                REAL_AGENT_ANSWER.replace(
                        "\"fwmark\":10,\"server\":\"192.0.2.11\",\"expiresSeconds\":56",
                        "\"fwmark\":0,\"server\":\"192.0.2.11\",\"expiresSeconds\":56"),
                REAL_AGENT_ANSWER.replace("\"expiresSeconds\":56", "\"expiresSeconds\":\"56 s; evil\""),
                REAL_AGENT_ANSWER.replace("\"state\":\"FIN_WAIT\"", "\"state\":\"FIN\\r\\nWAIT\""),
                "not json",
                "[]")) {
            out.reset();
            AgentClient a = agentAnswering(200, "application/json", body);
            assertThat(cli(fx.reader, a).explain("203.0.113.21")).isEqualTo(ExitCode.OK);
            assertThat(out())
                    .as(body)
                    .isEqualTo(API_LINES + "persistence: unknown (agent at " + a.base() + ": unreadable answer)\n");
            agent.stop(0);
        }
        out.reset();
        AgentClient a = agentAnswering(500, "text/plain", "boom\u001b[2J\r\nFAKE LINE");
        assertThat(cli(fx.reader, a).explain("203.0.113.21")).isEqualTo(ExitCode.OK);
        assertThat(out())
                .isEqualTo(API_LINES + "persistence: unknown (agent at " + a.base()
                        + ": boom\\u001B[2J\\r\\nFAKE LINE (HTTP 500))\n");
    }
}
