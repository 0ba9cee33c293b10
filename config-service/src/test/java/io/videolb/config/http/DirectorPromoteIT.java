package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.events.AgentStatus;
import io.videolb.events.AuditEvent;
import io.videolb.events.DirectorRequest;
import io.videolb.json.Json;
import io.videolb.kafka.StateTopicReader;
import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /api/v1/directors/NAME/promote} and {@code videolb director promote NAME} on the real broker (issue 10). */
class DirectorPromoteIT {
    static ApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ApiFixture("promote");
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    static AgentStatus ha(String dir, String state, String peer) {
        return ha(dir, state, peer, 0, System.currentTimeMillis());
    }

    static AgentStatus ha(String dir, String state, String peer, int connections, long now) {
        return new AgentStatus(
                dir,
                "apply",
                0,
                0,
                now,
                now,
                0,
                null,
                null,
                null,
                null,
                new AgentStatus.DirectorHa(
                        state, state.equals("MASTER"), now, "master+backup", connections, peer, 0, "", ""),
                null,
                null);
    }

    @Test
    void promotePublishesOneAuditedCommandAndRefusesWhatCannotWork() throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(fx.settings.producer())) {
            p.send(new ProducerRecord<>(fx.topics.agentStatus(), "dir-a", Json.write(ha("dir-a", "MASTER", "dir-b"))))
                    .get();
            p.send(new ProducerRecord<>(fx.topics.agentStatus(), "dir-b", Json.write(ha("dir-b", "BACKUP", "dir-a"))))
                    .get();
            p.send(new ProducerRecord<>(fx.topics.agentStatus(), "dir-c", Json.write(ha("dir-c", "FAULT", "x"))))
                    .get();
        }
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (fx.view.agents().size() < 3 && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(fx.view.agents()).hasSize(3);

        assertThat(fx.reader
                        .send("POST", "/api/v1/directors/dir-b/promote", null, null)
                        .status())
                .isEqualTo(403);
        assertThat(fx.admin
                        .send("POST", "/api/v1/directors/nobody/promote", null, null)
                        .status())
                .isEqualTo(404);
        assertThat(fx.admin
                        .send("POST", "/api/v1/directors/dir-c/promote", null, null)
                        .status())
                .isEqualTo(409);
        assertThat(fx.admin
                        .send("POST", "/api/v1/directors/-x/promote", null, null)
                        .status())
                .isEqualTo(400);
        AdminClient.Response holder = fx.admin.send("POST", "/api/v1/directors/dir-a/promote", null, null);
        assertThat(holder.status()).isEqualTo(200);
        assertThat(holder.body()).contains("already holds");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CliVerbs cli = new CliVerbs(
                fx.admin,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(cli.promote("dir-b")).isEqualTo(ExitCode.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("promote dir-b published");
        assertThat(cli.promote("a b")).isEqualTo(ExitCode.USAGE);

        Map<String, String> commands = new ConcurrentHashMap<>();
        Map<String, String> audit = new ConcurrentHashMap<>();
        try (StateTopicReader r = StateTopicReader.start(
                fx.settings.withClientId("promote-it-read"),
                List.of(fx.topics.directorCommands(), fx.topics.audit()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord rec) {
                        (rec.topic().equals(fx.topics.audit()) ? audit : commands).put(rec.key(), rec.value());
                    }

                    @Override
                    public void onCaughtUp() {}

                    @Override
                    public void onError(Throwable error) {}
                },
                Duration.ofSeconds(30))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(commands).containsOnlyKeys(DirectorRequest.KEY);
        DirectorRequest c = Json.read(commands.get(DirectorRequest.KEY), DirectorRequest.class);
        assertThat(c.target()).isEqualTo("dir-b");
        assertThat(c.by()).isEqualTo("ops");
        assertThat(c.fresh(System.currentTimeMillis())).isTrue();
        AuditEvent a = Json.read(audit.get("director/" + c.id()), AuditEvent.class);
        assertThat(a.actor()).isEqualTo("ops");
        assertThat(a.summary()).contains("promote dir-b");
    }

    /** The parity guard: refused with both counts, forced, refused on a stale status, allowed once parity is published. */
    @Test
    void promoteNeedsConnectionParityUnlessForced() throws Exception {
        try (ApiFixture f = new ApiFixture("parity");
                KafkaProducer<String, String> p = new KafkaProducer<>(f.settings.producer())) {
            long now = System.currentTimeMillis();
            p.send(new ProducerRecord<>(
                            f.topics.agentStatus(), "p-a", Json.write(ha("p-a", "MASTER", "p-b", 1000, now))))
                    .get();
            p.send(new ProducerRecord<>(
                            f.topics.agentStatus(), "p-b", Json.write(ha("p-b", "BACKUP", "p-a", 500, now))))
                    .get();
            awaitConnections(f, "p-b", 500);
            assertThat(f.view.agents()).containsKey("p-a");

            AdminClient.Response refused = f.admin.send("POST", "/api/v1/directors/p-b/promote", null, null);
            assertThat(refused.status()).isEqualTo(409);
            com.fasterxml.jackson.databind.JsonNode body = Json.MAPPER.readTree(refused.body());
            assertThat(body.path("error").asText()).isEqualTo("no_parity");
            assertThat(body.path("message").asText()).contains("p-b has 500 of the 1000 connections of p-a", "990");
            com.fasterxml.jackson.databind.JsonNode parity = body.path("parity");
            assertThat(parity.path("holder").asText()).isEqualTo("p-a");
            assertThat(parity.path("holderConnections").asInt()).isEqualTo(1000);
            assertThat(parity.path("targetConnections").asInt()).isEqualTo(500);
            assertThat(parity.path("required").asInt()).isEqualTo(990);
            assertThat(parity.path("coverage").asDouble()).isEqualTo(0.99);
            assertThat(parity.path("targetAgeMs").asLong()).isBetween(0L, 60_000L);
            assertThat(parity.path("holderAgeMs").asLong()).isBetween(0L, 60_000L);
            assertThat(parity.path("maxStatusAgeMs").asLong()).isEqualTo(120_000L);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CliVerbs cli = new CliVerbs(
                    f.admin,
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(cli.promote("p-b")).isEqualTo(ExitCode.FAILED);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("500 of the 1000", "HTTP 409", "--force");

            // the status view carries the parity figure for the waiting director, not for the holder
            com.fasterxml.jackson.databind.JsonNode status =
                    Json.MAPPER.readTree(f.admin.get("/api/v1/status").body());
            for (com.fasterxml.jackson.databind.JsonNode d : status.path("directors")) {
                if (d.path("director").asText().equals("p-b"))
                    assertThat(d.path("promoteParity").path("waitsFor").asText())
                            .contains("waiting for an operator's promote", "parity 500 of 1000 connections");
                else assertThat(d.has("promoteParity")).isFalse();
            }
            assertThat(cli.status()).isEqualTo(ExitCode.OK);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("  promote: no preemption (nopreempt): waiting for an operator's promote; parity 500 of"
                            + " 1000 connections");

            assertThat(f.admin
                            .send("POST", "/api/v1/directors/p-b/promote", "{\"force\":\"yes\"}", null)
                            .status())
                    .isEqualTo(400);
            assertThat(f.admin
                            .send("POST", "/api/v1/directors/p-b/promote", "{\"forse\":true}", null)
                            .status())
                    .isEqualTo(400);
            AdminClient.Response forced =
                    f.admin.send("POST", "/api/v1/directors/p-b/promote", "{\"force\":true}", null);
            assertThat(forced.status()).isEqualTo(202);
            assertThat(forced.body()).contains("forced: parity 500 of 1000 connections", "promote p-b published");
            out.reset();
            assertThat(cli.promote("p-b", true)).isEqualTo(ExitCode.OK);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("forced:");

            // a status older than the bound is not trusted, whatever it says
            p.send(new ProducerRecord<>(
                            f.topics.agentStatus(),
                            "p-b",
                            Json.write(ha("p-b", "BACKUP", "p-a", 1000, System.currentTimeMillis() - 600_000))))
                    .get();
            awaitConnections(f, "p-b", 1000);
            AdminClient.Response stale = f.admin.send("POST", "/api/v1/directors/p-b/promote", null, null);
            assertThat(stale.status()).isEqualTo(409);
            assertThat(stale.body()).contains("status of p-b is", "bound 120000 ms", "not trusted");

            // parity published (995 of 1000 >= 990): allowed without force
            p.send(new ProducerRecord<>(
                            f.topics.agentStatus(),
                            "p-b",
                            Json.write(ha("p-b", "BACKUP", "p-a", 995, System.currentTimeMillis()))))
                    .get();
            awaitConnections(f, "p-b", 995);
            AdminClient.Response allowed = f.admin.send("POST", "/api/v1/directors/p-b/promote", null, null);
            assertThat(allowed.status()).isEqualTo(202);
            assertThat(allowed.body()).doesNotContain("forced").contains("promote p-b published");

            // the audit says which promotes were forced, with the figures
            long deadline = System.nanoTime() + 20_000_000_000L;
            String audit = "";
            while (System.nanoTime() < deadline) {
                audit = f.admin.get("/api/v1/audit?limit=20").body();
                if (audit.contains("parity 995 of 1000")) break;
                Thread.sleep(100);
            }
            assertThat(audit)
                    .contains("FORCED without parity, parity 500 of 1000 connections (needs 990 at coverage 0.99)")
                    .contains("promote p-b (request ")
                    .contains(": parity 995 of 1000 connections");
        }
    }

    private static void awaitConnections(ApiFixture f, String dir, int connections) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            AgentStatus a = f.view.agents().get(dir);
            if (a != null && a.ha() != null && a.ha().connections() == connections) return;
            Thread.sleep(50);
        }
        org.assertj.core.api.Assertions.fail(dir + " never showed " + connections + " connections: "
                + f.view.agents().get(dir));
    }
}
