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
        long now = System.currentTimeMillis();
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
                new AgentStatus.DirectorHa(state, state.equals("MASTER"), now, "off", 0, peer, 0, "", ""),
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
}
