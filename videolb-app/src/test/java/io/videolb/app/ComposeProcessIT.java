package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.testsupport.kafka.KafkaCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-compose.yml as it would run, without a container engine (none runs on this machine): {@code docker-compose
 * config} resolves the file (schema check, .env or deploy/cluster.env, interpolation, profiles); each videolb service's
 * resolved {@code command} and {@code environment} then run as a local process behind the Dockerfile's ENTRYPOINT
 * ({@code java -jar} of the built jar), against a real broker of the profile's shape. What a container would provide is
 * mapped, nothing else changed: broker host names and published ports to the real broker's address (only entries the
 * compose file's brokers advertise are accepted), container paths to their volume, bind mount, secret or image source,
 * the published HTTP ports to free ones, the example's real servers to a closed loopback port (no probe leaves the
 * host). The agent (network_mode host, NET_ADMIN) runs as an unprivileged user: plan-only, it cannot touch this
 * machine's kernel (its kernel work is covered by the VM tests). Every service must reach ready (config-service
 * {@code /ready}, the others {@code /health}); then every topic must carry the profile's replication.
 *
 * <p>The SMTP-without-AUTH start of issue 14 (an empty {@code VIDEOLB_ALERT_SMTP_USER}, an empty password file) is
 * exactly what alert-service runs here; the duplicated key is ComposeFileTest's.
 */
class ComposeProcessIT {
    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Duration READY = Duration.ofSeconds(180);
    static final List<String> SERVERS =
            List.of("192.0.2.11", "192.0.2.12", "192.0.2.13", "192.0.2.14", "192.0.2.21", "192.0.2.22", "192.0.2.24");

    @TempDir
    Path tmp;

    @Test
    void theSingleBrokerProfileStartsEveryServiceToReady() throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .dataDir(tmp.resolve("kafka"))
                .port(EmbeddedKafkaBroker.freeLoopbackPort())
                .quietLogging(true)
                .start()) {
            Map<String, Object> resolved = resolve(List.of());
            runAndAwaitReady(resolved, broker.bootstrapServers(), 1, 1);
        }
    }

    @Test
    void theClusterProfileStartsEveryServiceToReadyWithEveryTopicReplicatedThreeTimes() throws Exception {
        long t0 = System.nanoTime();
        try (KafkaCluster cluster = KafkaCluster.start(3)) {
            System.out.printf(
                    "compose cluster: 3 broker processes up in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
            Map<String, Object> resolved = resolve(
                    List.of("--env-file", REPO.resolve("deploy/cluster.env").toString()));
            runAndAwaitReady(resolved, cluster.bootstrapServers(), 3, 2);
        }
    }

    // ---- resolution: docker-compose config ----

    @SuppressWarnings("unchecked")
    private Map<String, Object> resolve(List<String> extra) throws Exception {
        Path state = Files.createDirectories(tmp.resolve("host-state"));
        List<String> cmd = new ArrayList<>(List.of(
                "docker-compose", "-f", REPO.resolve("docker-compose.yml").toString()));
        cmd.addAll(extra);
        cmd.add("config");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(REPO.toFile());
        pb.environment().put("VIDEOLB_HOST_STATE_DIR", state.toString());
        pb.redirectErrorStream(false);
        Path out = tmp.resolve("resolved-" + extra.size() + ".yml");
        Path err = tmp.resolve("resolved-" + extra.size() + ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("docker-compose config within 60 s")
                .isTrue();
        assertThat(p.exitValue())
                .as("docker-compose config (compose schema): %s", Files.readString(err))
                .isZero();
        return (Map<String, Object>) StrictYaml.load(out);
    }

    /** The services of the active profile: docker-compose 1.29's config lists every service, with its profiles. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> activeServices(Map<String, Object> resolved, String profile) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        ((Map<String, Object>) resolved.get("services")).forEach((name, s) -> {
            Map<String, Object> svc = (Map<String, Object>) s;
            List<String> profiles = (List<String>) svc.getOrDefault("profiles", List.of());
            if (profiles.isEmpty() || profiles.contains(profile)) out.put(name, svc);
        });
        return out;
    }

    // ---- running ----

    @SuppressWarnings("unchecked")
    private void runAndAwaitReady(Map<String, Object> resolved, String realBootstrap, int factor, int minIsr)
            throws Exception {
        String profile = factor == 1 ? "single" : "cluster";
        Map<String, Map<String, Object>> services = activeServices(resolved, profile);
        List<String> brokers = services.entrySet().stream()
                .filter(e -> String.valueOf(e.getValue().get("image")).startsWith("apache/kafka:"))
                .map(Map.Entry::getKey)
                .toList();
        assertThat(brokers).as("brokers of profile %s", profile).hasSize(factor == 1 ? 1 : 3);
        List<String> advertised = new ArrayList<>();
        for (String b : brokers) {
            Map<String, Object> env = (Map<String, Object>) services.get(b).get("environment");
            for (String l :
                    String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS")).split(","))
                advertised.add(l.substring(l.indexOf("://") + 3));
        }
        List<String> entrypoint = entrypoint();
        Path jar =
                Path.of(System.getProperty("videolb.jar", "target/videolb.jar")).toAbsolutePath();
        assertThat(jar).as("shaded jar (package phase)").isRegularFile();
        Map<String, Path> secrets = new LinkedHashMap<>();
        ((Map<String, Object>) resolved.getOrDefault("secrets", Map.of()))
                .forEach((n, v) -> secrets.put(n, Path.of(String.valueOf(((Map<String, Object>) v).get("file")))));

        List<Running> running = new ArrayList<>();
        try {
            for (Map.Entry<String, Map<String, Object>> e : services.entrySet()) {
                if (!e.getValue().containsKey("build")) continue;
                running.add(start(e.getKey(), e.getValue(), entrypoint, jar, secrets, advertised, realBootstrap));
            }
            assertThat(running)
                    .extracting(r -> r.name)
                    .containsExactlyInAnyOrder("config-service", "health-service", "alert-service", "ipvs-agent");
            long t0 = System.nanoTime();
            awaitReady(running);
            System.out.printf(
                    "compose %s: %d services ready %d ms after their start%n",
                    profile, running.size(), (System.nanoTime() - t0) / 1_000_000);
            assertReplication(realBootstrap, factor, minIsr);
        } finally {
            for (Running r : running) r.stop();
        }
    }

    /** The Dockerfile's ENTRYPOINT (exec form). */
    private static List<String> entrypoint() throws IOException {
        for (String line : Files.readAllLines(REPO.resolve("Dockerfile"))) {
            if (line.startsWith("ENTRYPOINT ")) {
                Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(line);
                List<String> out = new ArrayList<>();
                while (m.find()) out.add(m.group(1));
                return out;
            }
        }
        throw new IllegalStateException("Dockerfile has no ENTRYPOINT");
    }

    record Mount(String container, Path host) {}

    @SuppressWarnings("unchecked")
    private Running start(
            String name,
            Map<String, Object> svc,
            List<String> entrypoint,
            Path jar,
            Map<String, Path> secrets,
            List<String> advertised,
            String realBootstrap)
            throws Exception {
        Path box = Files.createDirectories(tmp.resolve("svc-" + name));
        List<Mount> mounts = new ArrayList<>();
        // the image's own files (Dockerfile COPY)
        mounts.add(new Mount("/opt/videolb/videolb.jar", jar));
        mounts.add(new Mount("/opt/videolb/examples", REPO.resolve("examples")));
        for (Object v : (List<Object>) svc.getOrDefault("volumes", List.of())) {
            String[] parts = String.valueOf(v).split(":");
            Path src = Path.of(parts[0]);
            boolean ro = parts.length > 2 && parts[2].contains("ro");
            if (src.equals(REPO.resolve("deploy/api-tokens"))) src = apiTokensWithALine(); // the operator's step
            else if (!src.isAbsolute())
                src = Files.createDirectories(box.resolve("volume-" + parts[0])); // named volume
            else if (!ro && src.startsWith(REPO)) { // a writable bind mount of the repo: a copy, the repo stays clean
                Path copy = box.resolve("bind" + parts[1].replace('/', '_'));
                copyTree(src, copy);
                src = copy;
            }
            mounts.add(new Mount(parts[1], src));
        }
        for (Object s : (List<Object>) svc.getOrDefault("secrets", List.of())) {
            String n = s instanceof Map<?, ?> m ? String.valueOf(m.get("source")) : String.valueOf(s);
            mounts.add(new Mount("/run/secrets/" + n, secrets.get(n)));
        }
        Map<String, String> env = new LinkedHashMap<>();
        ((Map<String, Object>) svc.getOrDefault("environment", Map.of()))
                .forEach((k, v) -> env.put(k, v == null ? "" : String.valueOf(v)));
        List<String> command = new ArrayList<>();
        for (Object c : (List<Object>) svc.get("command")) command.add(String.valueOf(c));

        int port = EmbeddedKafkaBroker.freeLoopbackPort();
        String path = name.equals("config-service") ? "/ready" : "/health";
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).equals("--http-port")) command.set(i + 1, Integer.toString(port)); // published port
            else if (command.get(i).equals("--bootstrap"))
                command.set(i + 1, bootstrap(command.get(i + 1), advertised, realBootstrap, name));
            else command.set(i, mapPath(command.get(i), mounts));
        }
        env.replaceAll((k, v) ->
                k.equals("VIDEOLB_BOOTSTRAP") ? bootstrap(v, advertised, realBootstrap, name) : mapPath(v, mounts));
        if (name.equals("health-service")) env.put("VIDEOLB_HEALTH_ENDPOINTS", probesOnLoopback());

        List<String> cmd = new ArrayList<>();
        boolean hostKernel = "host".equals(svc.get("network_mode"));
        if (hostKernel) { // plan-only: an unprivileged user cannot change this machine's kernel
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
            for (Mount m : mounts) if (Files.isDirectory(m.host()) && m.host().startsWith(tmp)) openUp(m.host());
            openUp(tmp);
        }
        for (String a : entrypoint) {
            if (a.equals("java"))
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            else cmd.add(mapPath(a, mounts));
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(box.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
        pb.environment().putAll(env);
        // test speed only (the C1 compiler starts a JVM about twice as fast on this 2-core machine); no setting of
        // the service's own
        pb.environment().put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        Path log = box.resolve("out.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Files.writeString(box.resolve("command.txt"), String.join(" ", cmd) + "\n" + env + "\n");
        return new Running(name, pb.start(), log, URI.create("http://127.0.0.1:" + port + path));
    }

    /**
     * deploy/api-tokens as committed holds only a comment, and config-service refuses a token file without a token
     * (exit 2): deploy/README.md has the operator add a line before the first start. This does that step, on a copy.
     */
    private Path apiTokensWithALine() throws Exception {
        Path copy = tmp.resolve("api-tokens");
        if (Files.exists(copy)) return copy;
        String committed = Files.readString(REPO.resolve("deploy/api-tokens"));
        String token = java.util.UUID.randomUUID().toString().replace("-", "");
        byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.writeString(
                copy, committed + "ops:admin:" + java.util.HexFormat.of().formatHex(h) + "\n");
        return copy;
    }

    /** Every HOST:PORT must be one the profile's brokers advertise; the whole list then stands for the real broker. */
    private static String bootstrap(String value, List<String> advertised, String real, String service) {
        for (String hp : value.split(","))
            assertThat(advertised)
                    .as("%s: bootstrap entry %s is advertised by a broker of the profile", service, hp)
                    .contains(hp);
        return real;
    }

    /** A container path (or one under it) to its host source; other text unchanged. */
    private static String mapPath(String v, List<Mount> mounts) {
        for (Mount m : mounts) {
            if (v.equals(m.container())) return m.host().toString();
            if (v.startsWith(m.container() + "/"))
                return m.host().resolve(v.substring(m.container().length() + 1)).toString();
        }
        return v;
    }

    private static String probesOnLoopback() {
        int closed = EmbeddedKafkaBroker.freeLoopbackPort();
        return SERVERS.stream()
                .map(s -> s + "=127.0.0.1:" + closed + ":" + closed)
                .collect(Collectors.joining(","));
    }

    private static void openUp(Path p) throws IOException {
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (var s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path t = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    private static void awaitReady(List<Running> running) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + READY.toNanos();
        List<Running> waiting = new ArrayList<>(running);
        while (!waiting.isEmpty()) {
            for (Running r : List.copyOf(waiting)) {
                assertThat(r.process.isAlive())
                        .as("%s exited (%s): %s", r.name, r.process.isAlive() ? "" : r.process.exitValue(), r.tail())
                        .isTrue();
                try {
                    HttpResponse<String> resp = http.send(
                            HttpRequest.newBuilder(r.ready)
                                    .timeout(Duration.ofSeconds(3))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (resp.statusCode() == 200) {
                        waiting.remove(r);
                        System.out.printf("compose: %s ready (%s)%n", r.name, r.ready.getPath());
                    } else r.last = resp.statusCode() + " " + resp.body();
                } catch (IOException e) {
                    r.last = e.toString();
                }
            }
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("not ready within " + READY + ": "
                        + waiting.stream()
                                .map(r -> r.name + " (" + r.ready + ": " + r.last + ")\n" + r.tail())
                                .collect(Collectors.joining("\n")));
            Thread.sleep(500);
        }
    }

    private static void assertReplication(String bootstrap, int factor, int minIsr) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin a = Admin.create(p)) {
            List<String> ours = a.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith("videolb."))
                    .sorted()
                    .toList();
            assertThat(ours).as("videolb's topics").hasSizeGreaterThanOrEqualTo(5);
            Map<String, TopicDescription> d =
                    a.describeTopics(ours).allTopicNames().get(30, TimeUnit.SECONDS);
            for (TopicDescription t : d.values())
                assertThat(t.partitions())
                        .as("%s replicas", t.name())
                        .allSatisfy(pi -> assertThat(pi.replicas()).hasSize(factor));
            var configs = a.describeConfigs(ours.stream()
                            .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
            configs.forEach((r, c) -> assertThat(c.get("min.insync.replicas").value())
                    .as("%s min.insync.replicas", r.name())
                    .isEqualTo(Integer.toString(minIsr)));
        }
    }

    static final class Running {
        final String name;
        final Process process;
        final Path log;
        final URI ready;
        volatile String last = "";

        Running(String name, Process process, Path log, URI ready) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.ready = ready;
        }

        String tail() {
            try {
                List<String> l = Files.readAllLines(log);
                return String.join("\n", l.subList(Math.max(0, l.size() - 25), l.size()));
            } catch (IOException e) {
                return "(no log: " + e + ")";
            }
        }

        void stop() {
            process.destroy(); // SIGTERM to this PID
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
