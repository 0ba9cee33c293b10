package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.config.csv.ConfigReaderCsvFiles;
import io.videolb.config.csv.CsvExport;
import io.videolb.config.csv.CsvFiles;
import io.videolb.events.AgentStatus;
import io.videolb.events.HealthVerdict;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdminApiIT {
    static ApiFixture fx;
    static long g0;

    @BeforeAll
    static void start() throws Exception {
        fx = new ApiFixture("adminapi");
        g0 = fx.importExample();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) fx.close();
    }

    static JsonNode json(AdminClient.Response r) throws Exception {
        return Json.MAPPER.readTree(r.body());
    }

    static String etag() {
        return "\"" + fx.store.generation() + "\"";
    }

    @Test
    void shouldServeTheImportedExampleClusterOnEveryReadEndpoint() throws Exception {
        AdminClient.Response state = fx.reader.get("/api/v1/state");
        assertThat(state.status()).isEqualTo(200);
        assertThat(state.etag()).contains(etag());
        assertThat(json(state).path("pools")).hasSize(3);
        assertThat(json(fx.reader.get("/api/v1/params")).path("vip").asText()).isEqualTo("198.51.100.10");
        assertThat(json(fx.reader.get("/api/v1/pools/20")).path("servers")).hasSize(2);
        assertThat(json(fx.reader.get("/api/v1/pools")).size()).isEqualTo(3);
        assertThat(json(fx.reader.get("/api/v1/backups")).size()).isEqualTo(4);
        assertThat(json(fx.reader.get("/api/v1/backups/192.0.2.11"))
                        .path("backup")
                        .asText())
                .isEqualTo("192.0.2.21");
        assertThat(json(fx.reader.get("/api/v1/clients?q=203.0.113.2&limit=2"))
                        .path("total")
                        .asInt())
                .isGreaterThanOrEqualTo(3);
        assertThat(json(fx.reader.get("/api/v1/clients?q=mark:20")).path("items"))
                .allMatch(n -> n.path("mark").asLong() == 20);
        assertThat(json(fx.reader.get("/api/v1/whoami")).path("role").asText()).isEqualTo("read");
        assertThat(fx.reader.get("/api/v1/pools/99").status()).isEqualTo(404);
        assertThat(fx.reader.get("/api/v1/nothing-here").status()).isEqualTo(404);
        AdminClient.Response csv = fx.reader.get("/api/v1/export/client-list.csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.body()).startsWith("IP,fwmark\n");
        AdminClient.Response notModified = fx.reader.send("GET", "/api/v1/generation", null, null);
        assertThat(notModified.etag()).isPresent();
    }

    @Test
    void shouldRefuseRequestsWithoutAValidTokenAndWritesFromAReadOnlyToken() throws Exception {
        AdminClient bad = new AdminClient(fx.base, "not-a-token");
        assertThat(bad.get("/api/v1/state").status()).isEqualTo(401);
        var anon = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(URI.create(fx.base + "/api/v1/state"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        long before = fx.store.generation();
        AdminClient.Response ro = fx.reader.send("PUT", "/api/v1/clients/203.0.113.21", "{\"mark\":20}", etag());
        assertThat(ro.status()).isEqualTo(403);
        assertThat(fx.store.generation()).isEqualTo(before);
        assertThat(fx.reader
                        .send(
                                "POST",
                                "/api/v1/plan",
                                "{\"change\":{\"op\":\"client.rm\",\"client\":\"203.0.113.21\"}}",
                                null)
                        .status())
                .isEqualTo(200);
    }

    @Test
    void shouldRequireIfMatchOnWritesAndRefuseAStaleOne() throws Exception {
        long before = fx.store.generation();
        assertThat(fx.admin
                        .send("PUT", "/api/v1/clients/203.0.113.99", "{\"mark\":20}", null)
                        .status())
                .isEqualTo(428);
        AdminClient.Response stale =
                fx.admin.send("PUT", "/api/v1/clients/203.0.113.99", "{\"mark\":20}", "\"" + (before + 5) + "\"");
        assertThat(stale.status()).isEqualTo(412);
        assertThat(stale.etag()).contains(etag());
        AdminClient.Response malformed = fx.admin.send("PUT", "/api/v1/clients/203.0.113.99", "{\"mark\":20}", "42");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(json(malformed).path("problems").get(0).path("field").asText())
                .isEqualTo("If-Match");
        assertThat(fx.store.generation()).isEqualTo(before);
    }

    @Test
    void shouldMoveAClientPublishOneGenerationAndAuditWhoDidIt() throws Exception {
        long before = fx.store.generation();
        AdminClient.Response r = fx.admin.send("PUT", "/api/v1/clients/203.0.113.0/28", "{\"mark\":\"10\"}", etag());
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(json(r).path("generation").asLong()).isEqualTo(before + 1);
        assertThat(r.etag()).contains("\"" + (before + 1) + "\"");
        assertThat(json(fx.reader.get("/api/v1/clients/203.0.113.0/28"))
                        .path("mark")
                        .asLong())
                .isEqualTo(10);
        assertThat(json(fx.reader.get("/api/v1/explain?client=203.0.113.5"))
                        .path("matchedBy")
                        .asText())
                .contains("203.0.113.0/28");
        AdminClient.Response del = fx.admin.send("DELETE", "/api/v1/clients/203.0.113.0/28", null, etag());
        assertThat(del.status()).isEqualTo(200);
        assertThat(fx.reader.get("/api/v1/clients/203.0.113.0/28").status()).isEqualTo(404);
        assertThat(fx.admin
                        .send("DELETE", "/api/v1/clients/203.0.113.0/28", null, etag())
                        .status())
                .isEqualTo(404);
        long deadline = System.nanoTime() + 20_000_000_000L;
        List<?> audit = List.of();
        while (System.nanoTime() < deadline) {
            JsonNode a = json(fx.reader.get("/api/v1/audit?limit=10"));
            if (a.size() > 0 && a.get(0).path("generation").asLong() >= before + 2) {
                assertThat(a.get(0).path("actor").asText()).isEqualTo("ops");
                assertThat(a.get(1).path("generation").asLong()).isEqualTo(before + 1);
                audit = List.of(a);
                break;
            }
            Thread.sleep(100);
        }
        assertThat(audit).as("audit events of both changes visible in the API").isNotEmpty();
    }

    @Test
    void shouldWriteEveryEntityKindAndRefuseRuleBreakingOnes() throws Exception {
        AdminClient.Response pool = fx.admin.send(
                "PUT",
                "/api/v1/pools/30",
                "{\"scheduler\":\"wrr\",\"servers\":[{\"address\":\"192.0.2.31\",\"weight\":3},\"192.0.2.32\"]}",
                etag());
        assertThat(pool.status()).as(pool.body()).isEqualTo(200);
        assertThat(json(fx.reader.get("/api/v1/pools/30"))
                        .path("servers")
                        .get(0)
                        .path("weight")
                        .asInt())
                .isEqualTo(3);
        assertThat(fx.admin
                        .send("PUT", "/api/v1/backups/192.0.2.31", "{\"backup\":\"192.0.2.33\"}", etag())
                        .status())
                .isEqualTo(200);
        assertThat(fx.admin
                        .send("DELETE", "/api/v1/backups/192.0.2.31", null, etag())
                        .status())
                .isEqualTo(200);
        assertThat(fx.admin.send("DELETE", "/api/v1/pools/30", null, etag()).status())
                .isEqualTo(200);
        String params =
                "{\"vip\":\"198.51.100.10\",\"clientNetwork\":\"203.0.113.0/24\",\"mailTo\":[\"ops@example.com\",\"noc@example.com\"],"
                        + "\"persistenceSeconds\":120,\"defaultMark\":50,\"defaultScheduler\":\"wlc\"}";
        AdminClient.Response p = fx.admin.send("PUT", "/api/v1/params", params, etag());
        assertThat(p.status()).as(p.body()).isEqualTo(200);
        assertThat(json(fx.reader.get("/api/v1/params"))
                        .path("persistenceSeconds")
                        .asInt())
                .isEqualTo(120);

        long before = fx.store.generation();
        AdminClient.Response dangling = fx.admin.send("DELETE", "/api/v1/pools/10", null, etag());
        assertThat(dangling.status()).isEqualTo(422);
        assertThat(dangling.body()).contains("fwmark").contains("has no pool");
        AdminClient.Response loop =
                fx.admin.send("PUT", "/api/v1/backups/192.0.2.21", "{\"backup\":\"192.0.2.11\"}", etag());
        assertThat(loop.status()).isEqualTo(422);
        AdminClient.Response loopback = fx.admin.send(
                "PUT", "/api/v1/pools/10", "{\"scheduler\":\"rr\",\"servers\":[\"192.0.2.11\",\"127.0.0.1\"]}", etag());
        assertThat(loopback.status())
                .as("the CSV reader's rule, through the one validator")
                .isEqualTo(422);
        assertThat(loopback.body()).contains("loopback");
        assertThat(fx.store.generation()).isEqualTo(before);
    }

    @Test
    void shouldPlanAChangeOrAFolderWithoutPublishing() throws Exception {
        long before = fx.store.generation();
        AdminClient.Response r = fx.admin.send(
                "POST",
                "/api/v1/plan",
                "{\"change\":{\"op\":\"client.set\",\"client\":\"203.0.113.21\",\"mark\":20}}",
                null);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode plan = json(r);
        assertThat(plan.path("changes")).hasSize(1);
        assertThat(plan.path("changes").get(0).path("key").asText()).isEqualTo("client/203.0.113.21/32");
        assertThat(plan.path("changes").get(0).path("op").asText()).isEqualTo("change");
        Map<String, String> files = new java.util.LinkedHashMap<>(
                CsvExport.files(fx.store.current().orElseThrow().state()));
        files.put(CsvFiles.CLIENTS, files.get(CsvFiles.CLIENTS) + "203.0.113.77,10\n");
        JsonNode folder = json(fx.reader.send("POST", "/api/v1/plan", ApiFixture.filesBody(files), null));
        assertThat(folder.path("count").path("add").asInt()).isEqualTo(1);
        assertThat(folder.path("count").path("change").asInt()
                        + folder.path("count").path("remove").asInt())
                .isZero();
        AdminClient.Response badCsv = fx.reader.send(
                "POST",
                "/api/v1/plan",
                ApiFixture.filesBody(Map.of(
                        CsvFiles.PARAM,
                        "x",
                        CsvFiles.CLIENTS,
                        "IP,fwmark\n203.0.113.9,0x10\n",
                        CsvFiles.POOLS,
                        files.get(CsvFiles.POOLS),
                        CsvFiles.BACKUPS,
                        files.get(CsvFiles.BACKUPS))),
                null);
        assertThat(badCsv.status()).isEqualTo(422);
        assertThat(badCsv.body()).contains("client-list.csv").contains("fwmark");
        assertThat(fx.store.generation()).isEqualTo(before);
    }

    @Test
    void shouldExportFilesThatTheCsvReaderReadsBackToTheSameState() throws Exception {
        JsonNode export = json(fx.reader.get("/api/v1/export"));
        Map<String, String> files = new java.util.LinkedHashMap<>();
        export.path("files")
                .fields()
                .forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        CsvFiles.Result r = new ConfigReaderCsvFiles().read(files);
        assertThat(r).isInstanceOf(CsvFiles.Parsed.class);
        assertThat(((CsvFiles.Parsed) r).state())
                .isEqualTo(fx.store.current().orElseThrow().state());
        AdminClient.Response again = fx.admin.send("POST", "/api/v1/import", ApiFixture.filesBody(files), etag());
        assertThat(again.status()).isEqualTo(200);
        assertThat(json(again).path("changes").asInt())
                .as("re-importing the export changes nothing")
                .isZero();
    }

    @Test
    void shouldShowAgentStatusAndHealthInStatusAndExplain() throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(fx.settings.producer())) {
            // issue 16: health-service's stream inventories of the server and its backup
            io.videolb.events.ServerStreams carries = new io.videolb.events.ServerStreams(
                    Ipv4Address.parse("192.0.2.12"),
                    true,
                    "",
                    List.of(new io.videolb.events.ServerStreams.Stream("live", "cam7", true, 3, 240_000)),
                    240_000,
                    "hc-1",
                    8,
                    System.currentTimeMillis());
            io.videolb.events.ServerStreams unknown = new io.videolb.events.ServerStreams(
                    Ipv4Address.parse("192.0.2.22"),
                    false,
                    "no rtmp_stat from 192.0.2.22:8080/stat within 500 ms",
                    List.of(),
                    0,
                    "hc-1",
                    9,
                    System.currentTimeMillis());
            p.send(new ProducerRecord<>(fx.topics.health(), carries.key(), Json.write(carries)));
            p.send(new ProducerRecord<>(fx.topics.health(), unknown.key(), Json.write(unknown)));
            p.send(new ProducerRecord<>(
                            fx.topics.health(),
                            "192.0.2.12",
                            Json.write(new HealthVerdict(
                                    Ipv4Address.parse("192.0.2.12"),
                                    Verdict.DOWN,
                                    ProbeLevel.RTMP,
                                    "handshake timeout",
                                    0,
                                    "hc-1",
                                    7,
                                    System.currentTimeMillis()))))
                    .get();
            p.send(new ProducerRecord<>(
                            fx.topics.agentStatus(),
                            "dir-a",
                            Json.write(new AgentStatus(
                                    "dir-a",
                                    "apply",
                                    1,
                                    fx.store.generation(),
                                    0,
                                    0,
                                    2,
                                    List.of("service 20 was missing"),
                                    List.of("ipset swap failed"),
                                    List.of(),
                                    List.of()))))
                    .get();
            // alert-service's outbox: one mail pending, one refused permanently (a dead letter), one sent (tombstone)
            p.send(new ProducerRecord<>(fx.topics.alertState(), "outbox/1", "{\"seq\":1,\"deadLetter\":false}"));
            p.send(new ProducerRecord<>(
                    fx.topics.alertState(),
                    "outbox/2",
                    "{\"seq\":2,\"deadLetter\":true,\"lastError\":\"550 5.1.1 mailbox unavailable\\r\\nX: y\"}"));
            p.send(new ProducerRecord<>(fx.topics.alertState(), "outbox/3", "{\"seq\":3,\"deadLetter\":false}"));
            p.send(new ProducerRecord<>(fx.topics.alertState(), "outbox/3", null))
                    .get();
        }
        JsonNode status = null;
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            status = json(fx.reader.get("/api/v1/status"));
            if (status.path("directors").size() == 1
                    && status.toString().contains("handshake timeout")
                    && status.path("alertMail").path("deadLetters").asInt() == 1
                    && json(fx.reader.get("/api/v1/inventory")).path("servers").size() == 2) break;
            Thread.sleep(100);
        }
        assertThat(status.path("alertMail").path("pending").asInt()).isEqualTo(1);
        assertThat(status.path("alertMail").path("lastDeadLetterReply").asText())
                .isEqualTo("550 5.1.1 mailbox unavailable??X: y");
        assertThat(status.path("directors").get(0).path("inSync").asBoolean()).isFalse();
        assertThat(status.path("directors").get(0).path("errors").get(0).asText())
                .isEqualTo("ipset swap failed");
        assertThat(status.toString()).contains("\"server\":\"192.0.2.12\",\"health\":\"DOWN\"");
        JsonNode x = json(fx.reader.get("/api/v1/explain?client=203.0.113.22"));
        assertThat(x.path("mark").asLong()).isEqualTo(20);
        assertThat(x.path("pool").path("servers").get(0).path("health").asText())
                .isEqualTo("DOWN");
        assertThat(x.path("pool").path("servers").get(0).path("backup").asText())
                .isEqualTo("192.0.2.22");
        JsonNode streams = x.path("pool").path("servers").get(0).path("streams");
        assertThat(streams.path("known").asBoolean()).isTrue();
        assertThat(streams.path("streams").get(0).path("stream").asText()).isEqualTo("live/cam7");
        assertThat(streams.path("streams").get(0).path("publishing").asBoolean())
                .isTrue();
        assertThat(streams.path("streams").get(0).path("viewers").asInt()).isEqualTo(3);
        assertThat(x.path("pool")
                        .path("servers")
                        .get(0)
                        .path("backupStreams")
                        .path("reason")
                        .asText())
                .isEqualTo("no rtmp_stat from 192.0.2.22:8080/stat within 500 ms");
        JsonNode inventory = json(fx.reader.get("/api/v1/inventory"));
        assertThat(inventory
                        .path("servers")
                        .path("192.0.2.12")
                        .path("bwOutBitsPerSecond")
                        .asLong())
                .isEqualTo(240_000);
        assertThat(inventory.path("servers").path("192.0.2.22").path("known").asBoolean())
                .isFalse();
        ByteArrayOutputStream cliOut = new ByteArrayOutputStream();
        CliVerbs cli = new CliVerbs(
                fx.reader,
                new PrintStream(cliOut, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertThat(cli.explain("203.0.113.22")).isEqualTo(ExitCode.OK);
        assertThat(cliOut.toString(StandardCharsets.UTF_8))
                .contains("    carries live/cam7 (publishing, 3 viewers)")
                .contains("    backup carries unknown streams: no rtmp_stat from 192.0.2.22:8080/stat within 500 ms");
        JsonNode outside = json(fx.reader.get("/api/v1/explain?client=192.0.2.200"));
        assertThat(outside.path("steered").asBoolean()).isFalse();
        JsonNode dflt = json(fx.reader.get("/api/v1/explain?client=203.0.113.200"));
        assertThat(dflt.path("mark").asLong()).isEqualTo(50);
    }

    @Test
    void shouldRefuseABodyOverTheLimitWith413() throws Exception {
        long before = fx.store.generation();
        String huge = "{\"mark\":20,\"pad\":\"" + "x".repeat(100_000) + "\"}";
        AdminClient.Response r = fx.admin.send("PUT", "/api/v1/clients/203.0.113.21", huge, etag());
        assertThat(r.status()).isEqualTo(413);
        assertThat(json(r).path("problems").get(0).path("field").asText()).isEqualTo("body");
        assertThat(fx.store.generation()).isEqualTo(before);
    }

    @Test
    void shouldGiveTheCliExitCodesAShellUserExpects() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliVerbs cli = new CliVerbs(
                fx.admin,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        long before = fx.store.generation();
        assertThat(cli.clientSet("203.0.113.23", "10")).isEqualTo(ExitCode.OK);
        assertThat(fx.store
                        .current()
                        .orElseThrow()
                        .state()
                        .clients()
                        .get(io.videolb.model.Ipv4Network.parse("203.0.113.23"))
                        .value())
                .isEqualTo(10);
        assertThat(fx.store.generation()).isEqualTo(before + 1);
        assertThat(cli.clientSet("203.0.113.23", "99"))
                .as("mark without a pool")
                .isEqualTo(ExitCode.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("has no pool");
        assertThat(cli.clientSet("010.0.0.1", "10")).isEqualTo(ExitCode.FAILED);
        assertThat(cli.clientRm("203.0.113.23")).isEqualTo(ExitCode.OK);
        assertThat(cli.explain("203.0.113.21")).isEqualTo(ExitCode.OK);
        assertThat(cli.status()).isEqualTo(ExitCode.OK);
        assertThat(cli.planChange(List.of("client", "set", "203.0.113.21", "20")))
                .isEqualTo(ExitCode.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("~ client/203.0.113.21/32");
        assertThat(cli.planChange(List.of("client", "frob"))).isEqualTo(ExitCode.USAGE);
        Path dir = Files.createTempDirectory(fx.dir, "csv");
        for (Map.Entry<String, String> e :
                CsvExport.files(fx.store.current().orElseThrow().state()).entrySet())
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        assertThat(cli.planDir(dir)).isEqualTo(ExitCode.OK);
        assertThat(cli.importDir(dir)).isEqualTo(ExitCode.OK);
        assertThat(cli.importDir(dir.resolve("missing"))).isEqualTo(ExitCode.FAILED);
        CliVerbs readOnly = new CliVerbs(
                fx.reader,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(readOnly.clientRm("203.0.113.21")).isEqualTo(ExitCode.FAILED);
        CliVerbs nowhere = new CliVerbs(
                new AdminClient(URI.create("http://127.0.0.1:1"), "x"),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(nowhere.status()).isEqualTo(ExitCode.API_UNAVAILABLE);
    }
}
