package io.videolb.config.http;

import io.vertx.core.Vertx;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.config.client.AdminClient;
import io.videolb.config.cluster.KafkaClusterView;
import io.videolb.config.csv.ConfigReaderCsvFiles;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.desired.DesiredStore;
import io.videolb.config.desired.PublisherDesiredStore;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A running admin API on the shared embedded broker: real publisher, real readers, real HTTP; one topic prefix per fixture. */
final class ApiFixture implements AutoCloseable {
    static final Map<String, String> EXAMPLE = new LinkedHashMap<>();

    static {
        EXAMPLE.put(
                CsvFiles.PARAM,
                "field,value\nlvsIP,198.51.100.10\nip_domain,203.0.113.0\nmailid,ops@example.com\npersistence_time,60\nfwdefault,50\n");
        EXAMPLE.put(CsvFiles.CLIENTS, "IP,fwmark\n203.0.113.21,10\n203.0.113.22,20\n203.0.113.23,20\n");
        EXAMPLE.put(
                CsvFiles.POOLS,
                "fwmark,server,schedule\n10,\"192.0.2.11\",rr\n20,\"192.0.2.12,192.0.2.13\",wlc\n50,\"192.0.2.14\",rr\n");
        EXAMPLE.put(
                CsvFiles.BACKUPS,
                "RIP,backup\n192.0.2.11,192.0.2.21\n192.0.2.12,192.0.2.22\n192.0.2.13,192.0.2.22\n192.0.2.14,192.0.2.24\n");
    }

    final Topics topics;
    final KafkaSettings settings;
    final DesiredStatePublisher publisher;
    final DesiredStore store;
    final KafkaClusterView view;
    final Vertx vertx;
    final AdminHttpServer server;
    final String adminToken = "adm-" + UUID.randomUUID();
    final String readToken = "ro-" + UUID.randomUUID();
    final AdminClient admin;
    final AdminClient reader;
    final URI base;
    final Path dir;
    /** When set, the store refuses writes with this reason, as config-service does while Kafka cannot take them. */
    volatile String outage;

    ApiFixture(String hint) throws Exception {
        this(hint, AdminApiSettings.DEFAULT_BODY_LIMIT);
    }

    ApiFixture(String hint, int bodyLimit) throws Exception {
        this(hint, bodyLimit, null, null);
    }

    /** With {@code tlsCert}/{@code tlsKey} (PEM) the API listens with TLS and the clients trust {@code tlsCert} as their CA. */
    ApiFixture(String hint, int bodyLimit, Path tlsCert, Path tlsKey) throws Exception {
        this(hint, bodyLimit, tlsCert, tlsKey, b -> {});
    }

    /** As above; {@code more} changes further settings (e.g. the authentication failure limit). */
    ApiFixture(
            String hint,
            int bodyLimit,
            Path tlsCert,
            Path tlsKey,
            java.util.function.Consumer<AdminApiSettings.Builder> more)
            throws Exception {
        topics = SharedBroker.freshTopics(hint);
        settings = SharedBroker.settings("api-" + hint);
        publisher = DesiredStatePublisher.start(
                settings, topics, DesiredStatePublisher.defaultTransactionalId(topics), Duration.ofSeconds(60));
        store = new PublisherDesiredStore(publisher, () -> java.util.Optional.ofNullable(outage));
        view = KafkaClusterView.start(settings, topics, Duration.ofSeconds(60));
        view.awaitCaughtUp(Duration.ofSeconds(60));
        dir = Files.createTempDirectory("videolb-api-it");
        Path tokens = dir.resolve("tokens");
        Files.writeString(
                tokens,
                "# test tokens\n" + TokenFile.line("ops", Role.ADMIN, adminToken) + "\n"
                        + TokenFile.line("viewer", Role.READ, readToken) + "\n");
        vertx = Vertx.vertx();
        AdminApiSettings.Builder b = AdminApiSettings.builder(tokens)
                .port(0)
                .limits(bodyLimit, 8 * 1024 * 1024)
                .tls(tlsCert, tlsKey);
        more.accept(b);
        AdminApiSettings config = b.build();
        server = new AdminHttpServer(
                        vertx,
                        config,
                        store,
                        new ConfigReaderCsvFiles(),
                        view,
                        r -> r.get("/health").handler(ctx -> ctx.end("ok")))
                .start();
        base = URI.create((tlsCert != null ? "https" : "http") + "://127.0.0.1:" + server.port());
        admin = new AdminClient(base, adminToken, Duration.ofSeconds(30), tlsCert);
        reader = new AdminClient(base, readToken, Duration.ofSeconds(30), tlsCert);
    }

    static String filesBody(Map<String, String> files) {
        var body = Json.MAPPER.createObjectNode();
        var f = body.putObject("files");
        files.forEach(f::put);
        return body.toString();
    }

    /** Imports the example cluster through the API; returns the generation. */
    long importExample() throws Exception {
        AdminClient.Response r =
                admin.send("POST", "/api/v1/import", filesBody(EXAMPLE), "\"" + store.generation() + "\"");
        if (r.status() != 200) throw new AssertionError("import failed: " + r.status() + " " + r.body());
        return Json.MAPPER.readTree(r.body()).path("generation").asLong();
    }

    @Override
    public void close() throws Exception {
        server.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        view.close();
        publisher.close();
    }
}
