package io.videolb.config.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.ConfigService;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.config.client.AdminClient;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.chaos.EditWriter;
import io.videolb.testsupport.kafka.KafkaCluster;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the chaos ITs of this module share: config-service (its real verticle, admin API on, or its own process)
 * running against a {@link KafkaCluster} of broker processes, with test-support's {@link EditWriter} (the writers
 * and the checks on the desired topic, shared with videolb-app's {@code ServicesUnderBrokerKillsIT}).
 */
final class ChaosRig implements AutoCloseable {
    /** HTTP timeout of one write: longer than anything config-service may take (commit budget + resync). */
    static final Duration REQUEST_TIMEOUT = EditWriter.REQUEST_TIMEOUT;

    static final Map<String, String> EXAMPLE = new LinkedHashMap<>();

    static {
        EXAMPLE.put(
                CsvFiles.PARAM,
                "field,value\nlvsIP,198.51.100.10\nip_domain,10.20.0.0/16\nmailid,ops@example.com\npersistence_time,60\nfwdefault,50\n");
        EXAMPLE.put(CsvFiles.CLIENTS, "IP,fwmark\n10.20.255.1,10\n");
        EXAMPLE.put(
                CsvFiles.POOLS,
                "fwmark,server,schedule\n10,\"192.0.2.11\",rr\n20,\"192.0.2.12\",rr\n50,\"192.0.2.14\",rr\n");
        EXAMPLE.put(CsvFiles.BACKUPS, "RIP,backup\n192.0.2.11,192.0.2.21\n");
    }

    final KafkaCluster cluster;
    final Topics topics;
    final ServiceRuntime runtime;
    final ConfigService service;
    final AdminClient admin;
    /** Set when config-service runs as its own process (chaos test 5). */
    private Process proc;

    private final int port;
    private final Path tokens;
    private int starts;
    final Path dir;
    /** The writers and the checks against the topic. */
    final EditWriter writer;

    ChaosRig(KafkaCluster cluster, String hint) throws Exception {
        this(cluster, hint, false);
    }

    /** With {@code asProcess}, config-service runs as a separate JVM ({@link ConfigServiceProcess}) on a fixed port. */
    ChaosRig(KafkaCluster cluster, String hint, boolean asProcess) throws Exception {
        this.cluster = cluster;
        this.topics = new Topics("chaos-" + hint + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36));
        dir = Files.createTempDirectory("videolb-chaos");
        String token = "adm-" + UUID.randomUUID();
        tokens = dir.resolve("tokens");
        Files.writeString(tokens, TokenFile.line("chaos", Role.ADMIN, token) + "\n");
        if (asProcess) {
            try (java.net.ServerSocket ss =
                    new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = ss.getLocalPort();
            }
            runtime = null;
            service = null;
            admin = new AdminClient(URI.create("http://127.0.0.1:" + port), token, REQUEST_TIMEOUT, null);
            writer = new EditWriter(URI.create("http://127.0.0.1:" + port), token);
            startService();
        } else {
            ConfigServiceSettings config = ConfigServiceSettings.builder()
                    .kafka(new io.videolb.runtime.settings.KafkaConnection(
                            cluster.bootstrapServers(),
                            io.videolb.kafka.KafkaClientProperties.NONE,
                            cluster.replication()))
                    .topics(topics)
                    .httpHost("127.0.0.1")
                    .httpPort(0)
                    .adminApi(AdminApiSettings.builder(tokens).build())
                    .build();
            runtime = ServiceRuntime.create();
            service = runtime.deploy(new ConfigService(config, runtime));
            port = service.httpPort();
            admin = new AdminClient(URI.create("http://127.0.0.1:" + port), token, REQUEST_TIMEOUT, null);
            writer = new EditWriter(URI.create("http://127.0.0.1:" + port), token);
        }
        var body = Json.MAPPER.createObjectNode();
        var f = body.putObject("files");
        EXAMPLE.forEach(f::put);
        AdminClient.Response r = admin.send("POST", "/api/v1/import", body.toString(), "\"0\"");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    /** Starts config-service's process and waits (bounded) until /ready is 200. */
    void startService() throws Exception {
        String cp = System.getProperty("surefire.test.class.path");
        if (cp == null || cp.isBlank()) cp = System.getProperty("java.class.path");
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xmx256m",
                "-cp",
                cp,
                ConfigServiceProcess.class.getName(),
                cluster.bootstrapServers(),
                topics.prefix(),
                tokens.toString(),
                Integer.toString(port),
                Integer.toString(cluster.size()));
        proc = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(
                        dir.resolve("config-service-" + (++starts) + ".log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!proc.isAlive())
                throw new AssertionError("config-service process exited: "
                        + Files.readString(dir.resolve("config-service-" + starts + ".log")));
            try {
                if (admin.get("/ready").status() == 200) return;
            } catch (java.io.IOException e) {
                // not listening yet
            }
            pause(200);
        }
        throw new AssertionError("config-service process not ready within 90 s");
    }

    /** SIGKILL of config-service's process, by its PID. */
    void killService() throws InterruptedException {
        proc.destroyForcibly();
        assertThat(proc.waitFor(30, TimeUnit.SECONDS))
                .as("config-service process gone")
                .isTrue();
    }

    /** Starts the two writers of {@link EditWriter#start()}. */
    void startWriter() {
        writer.start();
    }

    void stopWriter() throws InterruptedException {
        writer.stop();
    }

    /** Waits (bounded) until /ready is 200 and a write is acknowledged: the service recovered by itself. */
    long awaitRecovered(Duration wait) throws Exception {
        return writer.awaitRecovered(wait);
    }

    /** The checks of {@link EditWriter#verify}; returns the figures line. */
    String verify(String fault) throws Exception {
        return writer.verify(
                cluster.settings("chaos-check-" + UUID.randomUUID().toString().substring(0, 8)),
                topics.desired(),
                fault);
    }

    static void pause(long ms) {
        EditWriter.pause(ms);
    }

    @Override
    public void close() throws Exception {
        writer.close();
        if (runtime != null) runtime.close();
        if (proc != null) {
            proc.destroyForcibly();
            proc.waitFor(30, TimeUnit.SECONDS);
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        }
    }
}
