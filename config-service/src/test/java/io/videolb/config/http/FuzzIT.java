package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.videolb.config.client.AdminClient;
import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvExport;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.desired.StateEdit;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.DesiredStateFolder;
import io.videolb.json.Json;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.FieldText;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Random and hostile bodies on every write endpoint (CR/LF, NUL, shell metacharacters, option
 * dashes, deep nesting, wrong types, huge numbers in every field), mixed with random valid edits
 * (clients moved to marks that have pools, removed clients, pool, backup and parameter edits):
 * never a 5xx; every accepted write is published exactly (read back from the desired topic and
 * compared with the change applied to the previous state); every refused one publishes nothing;
 * every published generation passes FieldText record by record and reads back unchanged through
 * the CSV reader.
 */
class FuzzIT {
    static final String[] HOSTILE = {
        "203.0.113.21\r\nflush",
        "10\nflush",
        "-F",
        "--flush",
        "$(reboot)",
        "`id`",
        "; rm -rf /",
        "| nc 203.0.113.1 1",
        "203.0.113.21\u0000",
        "\u2028",
        "0x10",
        "010",
        "1e3",
        "-1",
        "4294967296",
        "99999999999999999999",
        "",
        " ",
        "\t10",
        "ops@example.com\r\nBcc: x@example.com",
        "rr\nadd",
        "203.0.113.0/0",
        "203.0.113.1/24",
        "../../etc/passwd",
        "%0d%0a",
        "'\"",
        "\u00e9",
        "203.0.113.021",
        "256.1.1.1",
        "null",
        "true",
        "{}",
        "[]",
    };
    static final String[] FIELDS = {
        "mark",
        "client",
        "scheduler",
        "servers",
        "backup",
        "server",
        "vip",
        "clientNetwork",
        "mailTo",
        "persistenceSeconds",
        "defaultMark",
        "defaultScheduler",
        "weight",
        "address",
        "op",
        "files",
        "change",
        "\r\nX-Evil"
    };

    @Test
    void shouldNeverAnswer5xxAndPublishExactlyTheAcceptedValidatedChanges() throws Exception {
        try (ApiFixture fx = new ApiFixture("fuzz");
                PublishedState published = new PublishedState(fx)) {
            long g0 = fx.importExample();
            DesiredState model = published.await(g0).state();
            Random rnd = new Random(20240607L);
            List<String> fiveXX = new ArrayList<>();
            int attempts = 0;
            int validSent = 0;
            int validAccepted = 0;
            int fuzzAccepted = 0;
            int generationsPublished = 0;
            String[] paths = {
                "/api/v1/clients/203.0.113.21",
                "/api/v1/clients/203.0.113.0/28",
                "/api/v1/pools/10",
                "/api/v1/pools/77",
                "/api/v1/backups/192.0.2.11",
                "/api/v1/params",
                "/api/v1/import",
                "/api/v1/plan"
            };
            List<Req> hostileSegments = new ArrayList<>();
            // hostile values in every path segment, too
            for (String h : HOSTILE) {
                String seg = java.net.URLEncoder.encode(h, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("+", "%20");
                for (String p : List.of("/api/v1/clients/", "/api/v1/pools/", "/api/v1/backups/")) {
                    hostileSegments.add(new Req(
                            "PUT",
                            p + seg,
                            "{\"mark\":10,\"backup\":\"192.0.2.25\",\"scheduler\":\"rr\",\"servers\":[\"192.0.2.11\"]}",
                            null));
                    hostileSegments.add(new Req(
                            "PUT",
                            p + seg,
                            p.contains("pools")
                                    ? "{\"scheduler\":\"rr\",\"servers\":[\"192.0.2.11\"]}"
                                    : p.contains("backups") ? "{\"backup\":\"192.0.2.25\"}" : "{\"mark\":10}",
                            null));
                }
            }
            int total = 1500 + hostileSegments.size();
            for (int i = 0; i < total; i++) {
                Req req;
                if (i >= 1500) {
                    req = hostileSegments.get(i - 1500);
                } else if (i % 5 < 2) { // valid, made from the state published so far
                    req = valid(rnd, model);
                    validSent++;
                } else {
                    String path = paths[rnd.nextInt(paths.length)];
                    String body = i % 3 == 0 ? randomBytesText(rnd) : randomJson(rnd, 0);
                    req = new Req(path.endsWith("import") || path.endsWith("plan") ? "POST" : "PUT", path, body, null);
                }
                long before = fx.store.generation();
                AdminClient.Response r = fx.admin.send(req.method(), req.path(), req.body(), "\"" + before + "\"");
                attempts++;
                if (r.status() >= 500) fiveXX.add(r.status() + " " + req + " -> " + r.body());
                boolean write = !req.path().endsWith("/plan");
                if (r.status() == 200 && write) {
                    long g = Json.MAPPER.readTree(r.body()).path("generation").asLong();
                    DesiredSnapshot snap = published.await(g);
                    assertThat(snap.generation())
                            .as("published generation of %s", req)
                            .isEqualTo(g);
                    if (g != before) generationsPublished++;
                    if (req.edit() != null) {
                        validAccepted++;
                        DesiredState expected = req.edit().applyTo(model);
                        assertThat(snap.state())
                                .as("published state after accepted %s", req)
                                .isEqualTo(expected);
                    } else {
                        fuzzAccepted++;
                        System.out.println("fuzz: a random body was accepted: " + req);
                    }
                    assertThat(snap.state())
                            .isEqualTo(fx.store.current().orElseThrow().state());
                    assertEveryRecordIsSafeAndReadsBackFromCsv(snap.state(), req.toString());
                    model = snap.state();
                } else {
                    assertThat(fx.store.generation())
                            .as("generation after refused %s -> %d %s", req, r.status(), r.body())
                            .isEqualTo(before);
                }
                if (req.edit() != null) {
                    assertThat(r.status()).as("valid %s -> %s", req, r.body()).isIn(200, 422);
                }
                AdminClient.Response x = fx.admin.get("/api/v1/explain?client="
                        + (req.path().startsWith("/api/v1/clients/")
                                ? req.path().substring("/api/v1/clients/".length())
                                : "203.0.113.21"));
                if (x.status() >= 500) fiveXX.add(x.status() + " explain " + req.path());
            }
            assertThat(fiveXX).as("5xx answers").isEmpty();
            assertThat(validAccepted)
                    .as("valid writes accepted (of %d sent)", validSent)
                    .isGreaterThan(validSent / 2);
            // nothing else was published: one generation marker per generation, the import's plus one per accepted
            // change
            assertThat(published.markers()).isEqualTo(1 + generationsPublished);
            DesiredState last = published.await(fx.store.generation()).state();
            assertThat(last).isEqualTo(model);
            assertThat(published.entities()).isEqualTo(DesiredRecords.encode(last));
            // the operator's export reads back through the one CSV reader as exactly the published state
            AdminClient.Response export = fx.admin.get("/api/v1/export");
            assertThat(export.status()).isEqualTo(200);
            Map<String, String> files = new java.util.TreeMap<>();
            Json.MAPPER
                    .readTree(export.body())
                    .path("files")
                    .fields()
                    .forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
            assertThat(readCsv(files)).isEqualTo(last);
            System.out.printf(
                    "fuzz: %d requests, %d valid sent, %d valid accepted, %d random accepted, %d generations published, 0 answers 5xx;"
                            + " final state %d clients, %d pools, %d backups%n",
                    attempts,
                    validSent,
                    validAccepted,
                    fuzzAccepted,
                    generationsPublished,
                    last.clients().size(),
                    last.pools().size(),
                    last.backups().size());
        }
    }

    /** Every entity record passes FieldText (key and value), and the state written as CSV files reads back unchanged. */
    static void assertEveryRecordIsSafeAndReadsBackFromCsv(DesiredState state, String after) throws Exception {
        SortedMap<String, String> records = DesiredRecords.encode(state);
        for (Map.Entry<String, String> e : records.entrySet()) {
            FieldText.check(e.getKey());
            FieldText.check(e.getValue());
            assertThat(e.getValue())
                    .as("record %s after %s", e.getKey(), after)
                    .doesNotContain("\\r", "\\n", "\\u0000", "$(", "`", ";", "|", "rm -rf");
        }
        assertThat(readCsv(CsvExport.files(state)))
                .as("CSV round trip after %s", after)
                .isEqualTo(state);
    }

    static DesiredState readCsv(Map<String, String> files) throws Exception {
        Path dir = Files.createTempDirectory("videolb-fuzz-csv");
        try {
            for (Map.Entry<String, String> f : files.entrySet())
                Files.writeString(dir.resolve(f.getKey()), f.getValue());
            CsvReadResult r = new CsvConfigReader().read(dir);
            if (r instanceof CsvReadResult.Invalid inv)
                throw new AssertionError("the CSV reader refuses the export: " + inv.problems() + "\n" + files);
            return ((CsvReadResult.Valid) r).state();
        } finally {
            for (String f : files.keySet()) Files.deleteIfExists(dir.resolve(f));
            Files.deleteIfExists(dir);
        }
    }

    /** One request; {@code edit} is what a valid request asks for (null for random and hostile ones). */
    record Req(String method, String path, String body, StateEdit edit) {
        @Override
        public String toString() {
            return method + " " + path + " "
                    + (body == null ? "" : body.length() > 200 ? body.substring(0, 200) + "..." : body);
        }
    }

    static final List<String> MAILS = List.of("ops@example.com", "noc@example.org", "video-team@example.net");

    /** A random request that a careful operator could send: typed values, marks that have pools, pool/backup/param edits. */
    static Req valid(Random rnd, DesiredState s) {
        List<Fwmark> marks = new ArrayList<>(s.pools().keySet());
        int k = rnd.nextInt(20);
        if (k < 10) {
            Ipv4Network n = rnd.nextInt(5) == 0
                    ? Ipv4Network.parse("203.0.113." + 16 * rnd.nextInt(16) + "/28")
                    : Ipv4Network.parse("203.0.113." + (1 + rnd.nextInt(254)));
            Fwmark m = marks.get(rnd.nextInt(marks.size()));
            String text = CsvExport.clientText(n);
            ObjectNode body = Json.MAPPER.createObjectNode();
            if (rnd.nextBoolean()) body.put("client", text);
            if (rnd.nextBoolean()) body.put("mark", m.value());
            else body.put("mark", m.toString());
            return new Req(
                    "PUT",
                    "/api/v1/clients/" + (n.isHost() ? n.address().toString() : n.address() + "/" + n.prefix()),
                    body.toString(),
                    new StateEdit.SetClient(n, m));
        }
        if (k < 12 && s.clients().size() > 1) {
            List<Ipv4Network> clients = new ArrayList<>(s.clients().keySet());
            Ipv4Network n = clients.get(rnd.nextInt(clients.size()));
            return new Req(
                    "DELETE",
                    "/api/v1/clients/" + (n.isHost() ? n.address().toString() : n.address() + "/" + n.prefix()),
                    null,
                    new StateEdit.RemoveClient(n));
        }
        if (k < 16) {
            Fwmark m = rnd.nextInt(3) == 0
                    ? Fwmark.parse(List.of("30", "40", "60").get(rnd.nextInt(3)))
                    : marks.get(rnd.nextInt(marks.size()));
            Scheduler sch = Scheduler.values()[rnd.nextInt(Scheduler.values().length)];
            List<Integer> hosts = new ArrayList<>(List.of(11, 12, 13, 14, 15, 16, 17, 18, 19));
            java.util.Collections.shuffle(hosts, rnd);
            List<RealServer> servers = new ArrayList<>();
            ObjectNode body = Json.MAPPER.createObjectNode().put("scheduler", sch.ipvsName());
            if (rnd.nextBoolean()) body.put("mark", m.value());
            ArrayNode list = body.putArray("servers");
            for (int h : hosts.subList(0, 1 + rnd.nextInt(4))) {
                Ipv4Address a = Ipv4Address.parse("192.0.2." + h);
                if (rnd.nextBoolean()) {
                    servers.add(RealServer.of(a));
                    list.add(a.toString());
                } else {
                    int w = rnd.nextInt(101);
                    servers.add(new RealServer(a, w));
                    list.addObject().put("address", a.toString()).put("weight", w);
                }
            }
            return new Req(
                    "PUT", "/api/v1/pools/" + m, body.toString(), new StateEdit.SetPool(new Pool(m, sch, servers)));
        }
        if (k < 19) {
            List<Ipv4Address> inPools = new ArrayList<>();
            s.pools().values().forEach(p -> p.servers().forEach(rs -> inPools.add(rs.address())));
            Ipv4Address server = inPools.get(rnd.nextInt(inPools.size()));
            Ipv4Address backup = Ipv4Address.parse("192.0.2." + (21 + rnd.nextInt(9)));
            ObjectNode body = Json.MAPPER.createObjectNode().put("backup", backup.toString());
            if (rnd.nextBoolean()) body.put("server", server.toString());
            return new Req(
                    "PUT", "/api/v1/backups/" + server, body.toString(), new StateEdit.SetBackup(server, backup));
        }
        List<MailAddress> mails = new ArrayList<>();
        ObjectNode body = Json.MAPPER
                .createObjectNode()
                .put("vip", "198.51.100.10")
                .put("clientNetwork", rnd.nextBoolean() ? "203.0.113.0" : "203.0.113.0/24");
        ArrayNode mailTo = body.putArray("mailTo");
        for (String m : MAILS.subList(0, rnd.nextInt(MAILS.size() + 1))) {
            mails.add(MailAddress.parse(m));
            mailTo.add(m);
        }
        int persistence = rnd.nextInt(3601);
        Fwmark def = marks.get(rnd.nextInt(marks.size()));
        Scheduler sch = Scheduler.values()[rnd.nextInt(Scheduler.values().length)];
        body.put("persistenceSeconds", persistence)
                .put("defaultMark", def.value())
                .put("defaultScheduler", sch.ipvsName());
        return new Req(
                "PUT",
                "/api/v1/params",
                body.toString(),
                new StateEdit.SetParams(new ClusterParams(
                        Ipv4Address.parse("198.51.100.10"),
                        Ipv4Network.parse("203.0.113.0/24"),
                        mails,
                        persistence,
                        def,
                        sch)));
    }

    /** Follows the desired topic from offset 0 like any videolb reader (read_committed, folded at generation markers). */
    static final class PublishedState implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final TopicPartition tp;
        private final DesiredStateFolder folder = new DesiredStateFolder();
        private int markers;

        PublishedState(ApiFixture fx) {
            consumer = new KafkaConsumer<>(fx.settings.stateConsumer());
            tp = new TopicPartition(fx.topics.desired(), 0);
            consumer.assign(List.of(tp));
            consumer.seek(tp, 0);
        }

        /** The published snapshot of generation {@code g} or later, within 30 s. */
        DesiredSnapshot await(long g) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (folder.latest().map(DesiredSnapshot::generation).orElse(-1L) < g) {
                if (System.nanoTime() > deadline)
                    throw new AssertionError("generation " + g + " was not published within 30 s");
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    if (folder.apply(r.key(), r.value()).isPresent()) markers++;
                }
            }
            return folder.latest().orElseThrow();
        }

        int markers() {
            return markers;
        }

        SortedMap<String, String> entities() {
            return new java.util.TreeMap<>(folder.entities());
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    static String randomBytesText(Random rnd) {
        StringBuilder b = new StringBuilder();
        int n = rnd.nextInt(200);
        for (int i = 0; i < n; i++) b.append((char) rnd.nextInt(0x3000));
        return b.toString();
    }

    static String randomJson(Random rnd, int depth) {
        int kind = rnd.nextInt(depth > 3 ? 4 : 7);
        switch (kind) {
            case 0:
                return quote(HOSTILE[rnd.nextInt(HOSTILE.length)]);
            case 1:
                return Long.toString(rnd.nextLong() % 5_000_000_000L);
            case 2:
                return rnd.nextBoolean() ? "null" : "1.5";
            case 3:
                return quote(List.of(
                                "192.0.2.11",
                                "203.0.113.21",
                                "10",
                                "20",
                                "rr",
                                "wlc",
                                "ops@example.com",
                                "client.set",
                                "pool.set")
                        .get(rnd.nextInt(9)));
            case 4: {
                StringBuilder b = new StringBuilder("[");
                for (int i = rnd.nextInt(4); i > 0; i--)
                    b.append(randomJson(rnd, depth + 1)).append(i > 1 ? "," : "");
                return b.append(']').toString();
            }
            default: {
                StringBuilder b = new StringBuilder("{");
                int n = 1 + rnd.nextInt(6);
                for (int i = 0; i < n; i++) {
                    b.append(quote(FIELDS[rnd.nextInt(FIELDS.length)]))
                            .append(':')
                            .append(randomJson(rnd, depth + 1));
                    if (i < n - 1) b.append(',');
                }
                return b.append('}').toString();
            }
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20 || c == 0x2028) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }
}
