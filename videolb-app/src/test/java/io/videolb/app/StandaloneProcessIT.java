package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs {@code java -jar target/videolb.jar standalone} as a child process, twice on one data dir. */
class StandaloneProcessIT {
    private static final Pattern READY = Pattern.compile("^videolb standalone ready \\(broker=([0-9.]+:\\d+), .*\\)$");
    /** Every real and backup server of standalone-config: probed on loopback ports where nothing listens (no traffic leaves the host). */
    private static final List<String> SERVERS =
            List.of("192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.21", "192.0.2.22", "192.0.2.24");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    /**
     * A base port P such that P..P+count-1 are free on loopback (standalone uses P for the API and
     * P+1..P+3 for the agent, health and alert endpoints). Chosen below Linux's ephemeral range
     * (32768-60999), so that no client socket of this or the previous run can take one of them
     * between the check and the bind; bounded attempts.
     */
    static int freePortBlock(int count) throws IOException {
        java.util.Random random = new java.util.Random();
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20000 + random.nextInt(12000);
            boolean free = true;
            for (int i = 0; i < count && free; i++) {
                try (java.net.ServerSocket s = new java.net.ServerSocket()) {
                    s.setReuseAddress(false);
                    s.bind(new java.net.InetSocketAddress("127.0.0.1", base + i));
                } catch (IOException e) {
                    free = false;
                }
            }
            if (free) return base;
        }
        throw new IOException("no block of " + count + " free loopback ports found in 200 attempts");
    }

    @Test
    void startsReadyPublishesTheExampleServesTheApiStopsCleanlyOnSigtermAndRestartsWithTheSameGeneration()
            throws Exception {
        Path jar = Path.of(System.getProperty("videolb.jar", "target/videolb.jar"));
        assertThat(jar).as("shaded jar (built in the package phase)").isRegularFile();
        Path config = Path.of(
                StandaloneProcessIT.class.getResource("/standalone-config").toURI());
        Path data = tmp.resolve("data");
        int httpPort = freePortBlock(4);
        Map<String, String> env = probeOnLoopback();

        // first start: fresh data dir
        Child first = Child.start(jar, config, data, httpPort, env, tmp.resolve("first.err"));
        long generation;
        try {
            String bootstrap = first.awaitReady();
            String ready = first.stdout.get(0);
            assertThat(ready)
                    .contains(", admin=http://127.0.0.1:" + httpPort + "/ token-file=")
                    .contains(", agent=plan-only")
                    .contains(", alerts=")
                    .contains(", health=http://127.0.0.1:");
            assertThat(Files.readString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE))
                            .strip())
                    .isEqualTo(bootstrap);
            assertThat(data.resolve("kafka/meta.properties")).isRegularFile();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("admin-token"))))
                    .isEqualTo("rw-------");
            String token = Files.readString(data.resolve("admin-token")).strip();

            // the example state was published (read back through the admin API, with the generated token)
            HttpResponse<String> clients = get(httpPort, "/api/v1/clients", token);
            assertThat(clients.statusCode()).as(clients.body()).isEqualTo(200);
            assertThat(clients.body()).contains("203.0.113.21", "203.0.113.22", "203.0.113.23");
            long imported = generation(httpPort, token);
            assertThat(imported).isPositive();

            // `videolb import DIR` next to a running standalone goes through its admin API (audited, no fencing):
            // a changed set is published, then the original set again (the restart below compares against it)
            Path changed = tmp.resolve("changed");
            Files.createDirectories(changed);
            try (java.util.stream.Stream<Path> files = Files.list(config)) {
                for (Path f : files.toList())
                    Files.copy(f, changed.resolve(f.getFileName().toString()));
            }
            Files.writeString(
                    changed.resolve("client-list.csv"),
                    "IP,fwmark\n203.0.113.21,10\n203.0.113.22,20\n203.0.113.23,20\n203.0.113.40,50\n");
            Cli viaApi = Cli.run(
                    jar,
                    tmp.resolve("import-changed.out"),
                    "import",
                    changed.toString(),
                    "--data-dir",
                    data.toString());
            assertThat(viaApi.exit).as(viaApi.output).isEqualTo(ExitCode.OK.code());
            assertThat(viaApi.output).contains("published generation " + (imported + 1));
            assertThat(get(httpPort, "/api/v1/clients/203.0.113.40", token).body())
                    .contains("\"mark\":50");
            Cli back = Cli.run(
                    jar, tmp.resolve("import-back.out"), "import", config.toString(), "--data-dir", data.toString());
            assertThat(back.exit).as(back.output).isEqualTo(ExitCode.OK.code());
            assertThat(back.output).contains("published generation " + (imported + 2));
            assertThat(Files.readString(tmp.resolve("first.err")))
                    .as("published by the service for the admin token, not by the CLI")
                    .contains("api:import by standalone-admin: generation " + (imported + 1) + " committed");
            Cli usage = Cli.run(
                    jar,
                    tmp.resolve("import-usage.out"),
                    "import",
                    config.toString(),
                    "--api",
                    "http://127.0.0.1:1",
                    "--bootstrap",
                    "127.0.0.1:1");
            assertThat(usage.exit).isEqualTo(ExitCode.USAGE.code());
            assertThat(usage.output)
                    .contains("give --api (through the admin API) or --bootstrap (straight to Kafka), not both");

            generation = generation(httpPort, token);
            assertThat(generation).isEqualTo(imported + 2);
            assertThat(get(httpPort, "/api/v1/clients", "wrong-token").statusCode())
                    .isEqualTo(401);
            assertThat(get(httpPort, "/health", null).statusCode()).isEqualTo(200);
            assertThat(get(httpPort, "/ready", null).statusCode()).isEqualTo(200);
            // the agent's status reaches the admin API through its own status topic, written as its own principal
            // (the only status topic it may write; decision 113)
            String status = "";
            long statusBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!status.contains("\"directors\":[{") && System.nanoTime() < statusBy) {
                status = get(httpPort, "/api/v1/status", token).body();
                if (!status.contains("\"directors\":[{")) Thread.sleep(250);
            }
            assertThat(status).contains("\"directors\":[{");

            // and it is in the desired topic as a complete generation, read with the local operator's credentials
            // (the broker takes only authenticated clients: every service above ran as its own SCRAM principal)
            Path auth = data.resolve(StandaloneKafkaAuth.DIR);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(auth)))
                    .isEqualTo("rwx------");
            for (String f : List.of(
                    StandaloneKafkaAuth.PASSWORDS,
                    StandaloneKafkaAuth.APPLIED,
                    "videolb-operator.properties",
                    "videolb-config.properties",
                    "videolb-health.properties",
                    "videolb-alert.properties"))
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(auth.resolve(f))))
                        .as(f)
                        .isEqualTo("rw-------");
            Map<String, String> desired = new ConcurrentHashMap<>();
            try (StateTopicReader r = StateTopicReader.start(
                    KafkaSettings.of(
                            bootstrap,
                            "it-reader",
                            CommonSettings.kafkaPropertiesFile(StandaloneKafkaAuth.operatorProperties(data))),
                    Topics.DEFAULT.desired(),
                    StateTopicReader.folding(desired))) {
                assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(desired.keySet()).anyMatch(k -> k.startsWith("client/203.0.113.21"));
            // another local user, without the files of DATA-DIR/kafka-auth, gets nothing from the broker
            java.util.Properties plain = new java.util.Properties();
            plain.put("bootstrap.servers", bootstrap);
            plain.put("request.timeout.ms", "2000");
            plain.put("default.api.timeout.ms", "4000");
            try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(plain)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(
                                () -> a.listTopics().names().get(8, java.util.concurrent.TimeUnit.SECONDS))
                        .isInstanceOfAny(
                                java.util.concurrent.ExecutionException.class,
                                java.util.concurrent.TimeoutException.class);
            }

            first.stopAndExpectCleanExit();
            assertThat(first.stdout).hasSize(1); // exactly the ready line
            assertThat(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE)).doesNotExist();
            assertThat(data.resolve("admin-url")).doesNotExist();
        } finally {
            first.kill();
        }

        // second start: same data dir, same tokens, same generation (the unchanged import publishes nothing)
        Child second = Child.start(jar, config, data, httpPort, env, tmp.resolve("second.err"));
        try {
            second.awaitReady();
            String token = Files.readString(data.resolve("admin-token")).strip();
            assertThat(generation(httpPort, token)).isEqualTo(generation);
            assertThat(Files.readString(tmp.resolve("second.err")))
                    .contains("unchanged (generation " + generation + ")");
            second.stopAndExpectCleanExit();
            assertThat(second.stdout).hasSize(1);
        } finally {
            second.kill();
        }
    }

    /** VIDEOLB_HEALTH_ENDPOINTS: every server probed at 127.0.0.1 on ports where nothing listens. */
    private static Map<String, String> probeOnLoopback() throws IOException {
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();
        StringBuilder b = new StringBuilder();
        for (String s : SERVERS)
            b.append(b.length() == 0 ? "" : ",")
                    .append(s)
                    .append("=127.0.0.1:")
                    .append(closed)
                    .append(':')
                    .append(closed);
        return Map.of("VIDEOLB_HEALTH_ENDPOINTS", b.toString());
    }

    private static HttpResponse<String> get(int port, String path, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        if (token != null) r.header("Authorization", "Bearer " + token);
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .build()
                .send(r.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static long generation(int port, String token) throws Exception {
        HttpResponse<String> r = get(port, "/api/v1/generation", token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        Matcher m = Pattern.compile("\"generation\"\\s*:\\s*(\\d+)").matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** One CLI run of the shaded jar (stdout and stderr together in {@code output}), bounded to 120 s. */
    private record Cli(int exit, String output) {
        static Cli run(Path jar, Path out, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar.toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("videolb " + String.join(" ", args) + " did not end within 120 s");
            }
            return new Cli(p.exitValue(), Files.readString(out));
        }
    }

    /** A running {@code videolb standalone}; stdout is collected line by line, stderr goes to a file. */
    private static final class Child {
        final Process process;
        final List<String> stdout = new CopyOnWriteArrayList<>();
        final Path stderr;
        final long startedNanos = System.nanoTime();

        private Child(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                stdout.add(line);
                            }
                        } catch (IOException e) {
                            // process gone
                        }
                    },
                    "standalone-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(Path jar, Path config, Path data, int httpPort, Map<String, String> env, Path stderr)
                throws IOException {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-jar",
                    jar.toString(),
                    "standalone",
                    "--config",
                    config.toString(),
                    "--data-dir",
                    data.toString(),
                    "--http-port",
                    Integer.toString(httpPort),
                    // CI runs as root on a kernel with iptables but no IPVS: never touch the host's netfilter
                    "--agent-mode",
                    "plan-only"));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb.redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new Child(p, stderr);
        }

        String awaitReady() throws Exception {
            long deadline = startedNanos + READY_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : stdout) {
                    Matcher m = READY.matcher(line);
                    if (m.matches()) {
                        System.out.printf(
                                "standalone ready after %d ms: %s%n",
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), line);
                        return m.group(1);
                    }
                }
                if (!process.isAlive()) {
                    throw new AssertionError("standalone exited with " + process.exitValue() + " before ready; stdout "
                            + stdout + "; stderr:\n" + Files.readString(stderr));
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no ready line within " + READY_TIMEOUT + "; stdout " + stdout + "; stderr:\n"
                    + Files.readString(stderr));
        }

        void stopAndExpectCleanExit() throws Exception {
            long t0 = System.nanoTime();
            process.destroy(); // SIGTERM
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            assertThat(exited).as("exited within 60 s after SIGTERM").isTrue();
            System.out.printf(
                    "standalone stopped %d ms after SIGTERM%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertThat(process.exitValue())
                    .as("exit code; stderr:\n" + Files.readString(stderr))
                    .isZero();
            assertThat(Files.readString(stderr)).contains("SIGTERM received").doesNotContain(" ERROR ");
        }

        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
