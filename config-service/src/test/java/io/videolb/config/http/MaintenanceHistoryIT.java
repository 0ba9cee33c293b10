package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvLimits;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.events.AuditEvent;
import io.videolb.events.DesiredRecords;
import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Maintenance;
import io.videolb.runtime.ExitCode;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Maintenance mode, history and rollback through the real admin API and CLI verbs on the embedded broker: drain and
 * enable are published generations (audited) that a CSV import keeps; removing a server with a backup row is one
 * change; every generation is listed, retrievable and diffable from the history topic, also after a publisher
 * restart; a rollback is planned, refused when stale, applied with the plan's generation; export then import gives
 * the same digest.
 */
class MaintenanceHistoryIT {
    static final Ipv4Address S12 = Ipv4Address.parse("192.0.2.12");

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    CliVerbs cli(AdminClient api) {
        return new CliVerbs(
                api,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    String output() {
        String s = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        out.reset();
        err.reset();
        return s;
    }

    static JsonNode json(AdminClient.Response r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    @Test
    void drainEnableHistoryRollbackAndExport() throws Exception {
        try (ApiFixture fx = new ApiFixture("maint-history")) {
            long g1 = fx.importExample();
            CliVerbs cli = cli(fx.admin);

            // ---- maintenance: drain through the CLI (a published generation with the absolute deadline)
            long before = System.currentTimeMillis();
            assertThat(cli.serverDrain("192.0.2.12", "90s")).as(output()).isEqualTo(ExitCode.OK);
            long g2 = fx.store.generation();
            assertThat(g2).isEqualTo(g1 + 1);
            Maintenance m =
                    fx.store.current().orElseThrow().state().maintenance().get(S12);
            assertThat(m.by()).isEqualTo("ops");
            assertThat(m.startedAtMs()).isBetween(before, System.currentTimeMillis());
            assertThat(m.deadlineAtMs() - m.startedAtMs()).isEqualTo(90_000);
            assertThat(fx.store.current().orElseThrow().marker().source()).isEqualTo("api:server.drain");

            // bad input: named, nothing published
            assertThat(cli.serverDrain("192.0.2.12", "10x")).isEqualTo(ExitCode.FAILED);
            assertThat(output()).contains("--deadline").contains("10x");
            assertThat(cli.serverDrain("192.0.2.99", "1m")).isEqualTo(ExitCode.FAILED);
            assertThat(output())
                    .contains("192.0.2.99 is in no pool and backs no server")
                    .contains("404");
            AdminClient.Response bad = fx.admin.send(
                    "POST", "/api/v1/servers/192.0.2.12/drain", "{\"deadlineSeconds\":-5}", "\"" + g2 + "\"");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.body()).contains("\"field\":\"deadlineSeconds\"");
            AdminClient.Response noIfMatch = fx.admin.send("POST", "/api/v1/servers/192.0.2.12/drain", null, null);
            assertThat(noIfMatch.status()).isEqualTo(428);
            AdminClient.Response readOnly =
                    fx.reader.send("POST", "/api/v1/servers/192.0.2.12/enable", null, "\"" + g2 + "\"");
            assertThat(readOnly.status()).isEqualTo(403);
            assertThat(fx.store.generation()).isEqualTo(g2);

            // status shows it with its progress (no director reports a drain of it: out of rotation)
            JsonNode status = json(fx.admin.get("/api/v1/status"));
            JsonNode s12 = null;
            for (JsonNode sv : status.path("servers"))
                if (sv.path("server").asText().equals("192.0.2.12")) s12 = sv;
            assertThat(s12.path("maintenance").path("phase").asText()).isEqualTo("out");
            assertThat(s12.path("maintenance").path("secondsLeft").asLong()).isBetween(1L, 90L);
            assertThat(cli.status()).isEqualTo(ExitCode.OK);
            assertThat(output()).contains("server 192.0.2.12").contains("MAINTENANCE out of rotation by ops");

            // the audit holds it
            waitFor(() -> fx.view.recentAudit(20).stream()
                    .map(AuditEvent::action)
                    .toList()
                    .contains("api:server.drain"));

            // ---- a CSV import (the same files) keeps the maintenance: it is not in the files
            AdminClient.Response reimport =
                    fx.admin.send("POST", "/api/v1/import", ApiFixture.filesBody(ApiFixture.EXAMPLE), "\"" + g2 + "\"");
            assertThat(reimport.status()).as(reimport.body()).isEqualTo(200);
            assertThat(fx.store.current().orElseThrow().state().maintenance()).containsKey(S12);

            // ---- enable: back in rotation; enabling again is a 404
            assertThat(cli.serverEnable("192.0.2.12")).as(output()).isEqualTo(ExitCode.OK);
            long g3 = fx.store.generation();
            assertThat(fx.store.current().orElseThrow().state().maintenance()).isEmpty();
            assertThat(cli.serverEnable("192.0.2.12")).isEqualTo(ExitCode.FAILED);
            assertThat(output()).contains("192.0.2.12 is not in maintenance");

            // ---- removing a server that has a backup row is one change (its row goes with it)
            AdminClient.Response pool = fx.admin.send(
                    "PUT",
                    "/api/v1/pools/20",
                    "{\"scheduler\":\"wlc\",\"servers\":[\"192.0.2.13\"]}",
                    "\"" + g3 + "\"");
            assertThat(pool.status()).as(pool.body()).isEqualTo(200);
            long g4 = fx.store.generation();
            assertThat(g4).isEqualTo(g3 + 1);
            DesiredState s4 = fx.store.current().orElseThrow().state();
            assertThat(s4.backups()).doesNotContainKey(S12).containsKey(Ipv4Address.parse("192.0.2.13"));

            // ---- history: every generation, newest first, each retrievable with its files and diff
            assertThat(cli.history(50)).isEqualTo(ExitCode.OK);
            String hist = output();
            assertThat(hist)
                    .contains("current generation " + g4)
                    .contains("api:server.drain")
                    .contains("api:pool.set");
            JsonNode list = json(fx.reader.get("/api/v1/generations"));
            assertThat(list.path("current").asLong()).isEqualTo(g4);
            assertThat(list.path("generations").get(0).path("generation").asLong())
                    .isEqualTo(g4);
            assertThat(list.path("held").asInt()).isEqualTo((int) g4);
            JsonNode at2 = json(fx.reader.get("/api/v1/generations/" + g2));
            assertThat(at2.path("maintenance").get(0).path("server").asText()).isEqualTo("192.0.2.12");
            assertThat(at2.path("diff").path("changes").get(0).path("key").asText())
                    .isEqualTo("maintenance/192.0.2.12");
            assertThat(at2.path("files").path("fwmark-routing-list.csv").asText())
                    .contains("192.0.2.12");
            JsonNode diff14 = json(fx.reader.get("/api/v1/generations/" + g4 + "?diff=" + g1));
            assertThat(diff14.path("diff").path("from").asLong()).isEqualTo(g1);
            assertThat(diff14.path("diff").path("count").path("remove").asInt()).isEqualTo(1); // backup/192.0.2.12
            assertThat(fx.reader.get("/api/v1/generations/999").status()).isEqualTo(404);
            assertThat(fx.reader.get("/api/v1/generations/x").status()).isEqualTo(400);

            // the history topic's retention is config-service's setting (set at start to twice it): changed once
            assertThat(io.videolb.kafka.TopicAdmin.setRetention(
                            fx.settings, fx.topics.desiredHistory(), Duration.ofDays(60), Duration.ofSeconds(30)))
                    .isTrue();
            assertThat(io.videolb.kafka.TopicAdmin.setRetention(
                            fx.settings, fx.topics.desiredHistory(), Duration.ofDays(60), Duration.ofSeconds(30)))
                    .isFalse();

            // ---- a restarted config-service (a new publisher fences the old one) keeps the history readable
            fx.publisher.close();
            try (DesiredStatePublisher second = DesiredStatePublisher.start(
                    fx.settings,
                    fx.topics,
                    DesiredStatePublisher.defaultTransactionalId(fx.topics),
                    Duration.ofSeconds(60))) {
                assertThat(second.generation()).isEqualTo(g4);
                assertThat(second.readHistory(Duration.ofSeconds(30)).state(g1))
                        .contains(fx.store.history().state(g1).orElseThrow());
                // its first publication is a full generation: the history stays whole across the restart
                DesiredState next = s4.withMaintenance(S12, null)
                        .withClient(
                                io.videolb.model.Ipv4Network.parse("203.0.113.99"), new io.videolb.model.Fwmark(10));
                second.publish(next, "api:client.set", "ops");
                io.videolb.events.GenerationHistory h = second.readHistory(Duration.ofSeconds(30));
                assertThat(h.available()).hasSize((int) g4 + 1);
                assertThat(h.state(g4 + 1)).contains(next);
                assertThat(h.state(g2)).isPresent();
            }
        }
    }

    @Test
    void rollbackIsPlannedThenAppliedWithThePlansGenerationAndExportReproducesTheState() throws Exception {
        try (ApiFixture fx = new ApiFixture("rollback")) {
            long g1 = fx.importExample();
            DesiredState s1 = fx.store.current().orElseThrow().state();
            CliVerbs cli = cli(fx.admin);
            assertThat(cli.clientSet("203.0.113.21", "20")).isEqualTo(ExitCode.OK);
            assertThat(cli.serverDrain("192.0.2.14", "10m")).isEqualTo(ExitCode.OK);
            long g3 = fx.store.generation();
            output();

            // the plan: read-only, the changes back to g1's files, maintenance in force kept, the If-Match to apply
            AdminClient.Response plan = fx.reader.send("POST", "/api/v1/rollback", "{\"generation\":" + g1 + "}", null);
            assertThat(plan.status()).as(plan.body()).isEqualTo(200);
            JsonNode p = json(plan);
            assertThat(p.path("generation").asLong()).isEqualTo(g3);
            assertThat(p.path("count").path("change").asInt()).isEqualTo(1);
            assertThat(p.path("changes").get(0).path("key").asText()).isEqualTo("client/203.0.113.21/32");
            assertThat(p.path("apply").path("ifMatch").asText()).isEqualTo("\"" + g3 + "\"");
            assertThat(fx.store.generation()).isEqualTo(g3);
            assertThat(fx.admin
                            .send("POST", "/api/v1/rollback", "{\"generation\":0}", null)
                            .status())
                    .isEqualTo(400);
            assertThat(fx.admin
                            .send("POST", "/api/v1/rollback", "{\"generation\":77}", null)
                            .status())
                    .isEqualTo(404);

            // applied against a stale generation: 412, nothing written
            AdminClient.Response stale = fx.admin.send(
                    "POST", "/api/v1/rollback", "{\"generation\":" + g1 + ",\"apply\":true}", "\"" + (g3 - 1) + "\"");
            assertThat(stale.status()).isEqualTo(412);
            assertThat(fx.reader
                            .send(
                                    "POST",
                                    "/api/v1/rollback",
                                    "{\"generation\":" + g1 + ",\"apply\":true}",
                                    "\"" + g3 + "\"")
                            .status())
                    .isEqualTo(403);

            // the CLI: plan, not confirmed -> nothing; confirmed -> one new generation with g1's files
            assertThat(cli.rollback(g1, false, new BufferedReader(new StringReader("n\n"))))
                    .isEqualTo(ExitCode.FAILED);
            assertThat(output()).contains("client/203.0.113.21").contains("not applied");
            assertThat(fx.store.generation()).isEqualTo(g3);
            assertThat(cli.rollback(g1, false, new BufferedReader(new StringReader("y\n"))))
                    .isEqualTo(ExitCode.OK);
            assertThat(output()).contains("rollback to generation " + g1 + ": published generation " + (g3 + 1));
            DesiredState back = fx.store.current().orElseThrow().state();
            assertThat(back.csvPart()).isEqualTo(s1);
            assertThat(back.maintenance()).containsKey(Ipv4Address.parse("192.0.2.14"));
            assertThat(fx.store.current().orElseThrow().marker().source()).isEqualTo("api:rollback");
            assertThat(cli.rollback(g1, true, null)).isEqualTo(ExitCode.OK);
            assertThat(output()).contains("nothing to roll back");

            // export then import (of the written files) gives the same digest
            Path dir = fx.dir.resolve("export");
            assertThat(cli.export(dir)).as(output()).isEqualTo(ExitCode.OK);
            CsvReadResult read = new CsvConfigReader(CsvLimits.DEFAULT).read(dir);
            assertThat(read).isInstanceOf(CsvReadResult.Valid.class);
            DesiredState imported = ((CsvReadResult.Valid) read).state();
            assertThat(DesiredRecords.digest(DesiredRecords.encode(imported)))
                    .isEqualTo(DesiredRecords.digest(DesiredRecords.encode(back.csvPart())));
            assertThat(List.of(Files.list(dir)
                            .map(f -> f.getFileName().toString())
                            .sorted()
                            .toArray()))
                    .containsExactly(
                            "client-list.csv", "fwmark-routing-list.csv", "param.csv", "realserver-backup-list.csv");
            // and imported through the CLI it changes nothing (the maintenance stays)
            long g = fx.store.generation();
            assertThat(cli.importDir(dir)).isEqualTo(ExitCode.OK);
            assertThat(fx.store.current().orElseThrow().state()).isEqualTo(back);
            assertThat(fx.store.generation()).isBetween(g, g + 1); // at most a marker-only "files imported" generation
        }
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("condition not met within 30 s");
            Thread.sleep(50);
        }
    }
}
