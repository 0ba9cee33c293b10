package io.videolb.config.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.config.ConfigService;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.config.client.AdminClient;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.KafkaCluster;
import io.videolb.threads.NamedThreads;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What the chaos ITs share: config-service (its real verticle, admin API on) running against a {@link KafkaCluster}
 * of broker processes, a writer that makes admin-API edits with If-Match and records every answer, and the checks
 * on the desired topic as an independent read_committed reader folds it.
 */
final class ChaosRig implements AutoCloseable {
    /** HTTP timeout of one write: longer than anything config-service may take (commit budget + resync). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

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

    /** One write and its answer. status -1: no answer (client timeout or connection error). */
    record Attempt(String client, long startNanos, long endNanos, int status, long generation, String body) {
        long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
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
    final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private volatile boolean stop;
    private final List<Thread> writers = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger seq = new java.util.concurrent.atomic.AtomicInteger();

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

    /**
     * Starts two writers (two operators): each makes one edit after the other, each edit a new client, as fast as
     * answers come. Two, so that while one waits for an edit that was in flight when a broker died, the other
     * shows how new writes are answered meanwhile (they race on If-Match: a 412 is an ordinary answer).
     */
    void startWriter() {
        for (int i = 0; i < 2; i++) {
            Thread t = NamedThreads.thread("chaos-writer-" + i, () -> {
                while (!stop) writeOnce();
            });
            writers.add(t);
            t.start();
        }
    }

    /** One edit: read the generation, PUT a new client with If-Match; the answer recorded. */
    Attempt writeOnce() {
        int n = seq.getAndIncrement();
        String client = "10.20." + (n / 250) + "." + (n % 250 + 1);
        long t0 = System.nanoTime();
        Attempt a;
        try {
            AdminClient.Response g = admin.get("/api/v1/generation");
            if (g.status() != 200) {
                pause(200);
                return null; // not a write: nothing sent
            }
            long gen = Json.MAPPER.readTree(g.body()).path("generation").asLong();
            t0 = System.nanoTime();
            AdminClient.Response r = admin.send("PUT", "/api/v1/clients/" + client, "{\"mark\":20}", "\"" + gen + "\"");
            JsonNode b = r.status() == 200 ? Json.MAPPER.readTree(r.body()) : null;
            a = new Attempt(
                    client,
                    t0,
                    System.nanoTime(),
                    r.status(),
                    b == null ? -1 : b.path("generation").asLong(),
                    r.body() + (r.status() == 503 ? "" : ""));
        } catch (Exception e) {
            a = new Attempt(client, t0, System.nanoTime(), -1, -1, e.toString());
        }
        attempts.add(a);
        if (a.status() != 200) pause(100);
        return a;
    }

    void stopWriter() throws InterruptedException {
        stop = true;
        for (Thread t : writers) {
            t.join(REQUEST_TIMEOUT.toMillis() + 10_000);
            assertThat(t.isAlive()).as("writer stopped").isFalse();
        }
    }

    /** Waits (bounded) until /ready is 200 and a write is acknowledged: the service recovered by itself. */
    long awaitRecovered(Duration wait) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + wait.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            AdminClient.Response ready = admin.get("/ready");
            if (ready.status() == 200) {
                Attempt a = writeOnce();
                if (a != null && a.status() == 200) return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                last = a == null ? "no generation" : a.status() + " " + a.body();
            } else last = ready.body();
            pause(500);
        }
        throw new AssertionError("config-service did not recover within " + wait + ": " + last);
    }

    /** What an independent read_committed reader of the desired topic finds, from offset 0. */
    record TopicHistory(Map<String, String> finalState, Set<String> everPut, List<Long> generations) {}

    TopicHistory readTopic() throws Exception {
        Map<String, String> state = new HashMap<>();
        Set<String> ever = new HashSet<>();
        List<Long> gens = new ArrayList<>();
        KafkaSettings s =
                cluster.settings("chaos-check-" + UUID.randomUUID().toString().substring(0, 8));
        try (StateTopicReader r = StateTopicReader.start(
                s,
                List.of(topics.desired()),
                rec -> {
                    if (rec.key().equals(DesiredRecords.GENERATION)) {
                        gens.add(Json.read(rec.value(), GenerationMarker.class).generation());
                    } else if (rec.value() == null) {
                        state.remove(rec.key());
                    } else {
                        state.put(rec.key(), rec.value());
                        ever.add(rec.key());
                    }
                },
                Duration.ofSeconds(60))) {
            assertThat(r.awaitCaughtUp(Duration.ofSeconds(60)))
                    .as("read to the end")
                    .isTrue();
        }
        return new TopicHistory(state, ever, gens);
    }

    /**
     * The checks every chaos IT makes: every acknowledged edit is in the final state, no edit answered 503 (or
     * 4xx) ever appeared in the topic, and the generations are 1, 2, 3, ... with no gap and no duplicate (a
     * half-written or doubly-numbered generation would show). Returns the figures line.
     */
    String verify(String fault) throws Exception {
        TopicHistory h = readTopic();
        List<Attempt> acked = attempts.stream().filter(a -> a.status() == 200).toList();
        List<Attempt> refused = attempts.stream()
                .filter(a -> a.status() >= 400 && a.status() != 504)
                .toList();
        List<Attempt> unknown = attempts.stream()
                .filter(a -> a.status() == 504 || a.status() == -1)
                .toList();
        for (Attempt a : acked)
            assertThat(h.finalState())
                    .as("acknowledged edit %s lost", a.client())
                    .containsKey(key(a.client()));
        for (Attempt a : refused)
            assertThat(h.everPut())
                    .as("edit %s answered %d but visible: %s", a.client(), a.status(), a.body())
                    .doesNotContain(key(a.client()));
        for (int i = 0; i < h.generations().size(); i++)
            assertThat(h.generations().get(i)).as("generation numbers").isEqualTo(i + 1L);
        long unknownVisible = unknown.stream()
                .filter(a -> h.everPut().contains(key(a.client())))
                .count();
        String figures = String.format(
                Locale.ROOT,
                "%s: %d writes: %d acknowledged (0 lost), %d refused (%s; 0 visible), %d outcome unknown (%d became"
                        + " visible); generations 1..%d; longest write unavailability %d ms; write latency p50 %d ms,"
                        + " p99 %d ms, max %d ms",
                fault,
                attempts.size(),
                acked.size(),
                refused.size(),
                statusCounts(refused),
                unknown.size(),
                unknownVisible,
                h.generations().size(),
                longestUnavailability(),
                percentile(50),
                percentile(99),
                percentile(100));
        System.out.println("CHAOS " + figures);
        return figures;
    }

    private static String key(String client) {
        return DesiredRecords.CLIENT + client + "/32";
    }

    private static String statusCounts(List<Attempt> as) {
        Map<Integer, Integer> c = new java.util.TreeMap<>();
        for (Attempt a : as) c.merge(a.status(), 1, Integer::sum);
        return c.toString();
    }

    /** Longest time between the end of one acknowledged write and the end of the next. */
    long longestUnavailability() {
        long longest = 0;
        long prev = -1;
        List<Attempt> byEnd = new ArrayList<>(attempts);
        byEnd.sort(java.util.Comparator.comparingLong(Attempt::endNanos));
        for (Attempt a : byEnd) {
            if (a.status() != 200) continue;
            if (prev >= 0) longest = Math.max(longest, a.endNanos() - prev);
            prev = a.endNanos();
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    long percentile(int p) {
        List<Long> ms = attempts.stream().map(Attempt::millis).sorted().toList();
        if (ms.isEmpty()) return 0;
        int i = (int) Math.ceil(p / 100.0 * ms.size()) - 1;
        return ms.get(Math.max(0, Math.min(ms.size() - 1, i)));
    }

    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        stop = true;
        for (Thread t : writers) t.join(REQUEST_TIMEOUT.toMillis());
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
