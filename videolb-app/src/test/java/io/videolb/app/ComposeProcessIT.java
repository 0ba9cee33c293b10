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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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
 * host). Every service must reach ready (config-service {@code /ready}, the others {@code /health}); then every topic
 * must carry the profile's replication.
 *
 * <p>Each process runs with the identity and capabilities its container would have (security.md rows 11, 12;
 * {@code setpriv}): the compose file's {@code user} or else the Dockerfile's {@code USER} (its uid and gid from the
 * Dockerfile's {@code useradd}/{@code groupadd}), and the bounding set of {@code cap_drop}/{@code cap_add} (Docker's
 * default set unless {@code cap_drop: [ALL]}). The writable directories of a non-root service belong to its uid (what
 * deploy/README.md tells operators). The agent ({@code network_mode: host}) runs in a private network namespace the
 * test creates, standing in for the director's: it reaches the broker and the test reaches its HTTP through socat
 * relays on loopback (over a Unix socket between the namespaces), and it applies its steering (ipset, iptables) there
 * for real, with only the compose file's capabilities; IPVS is absent on the build machines' kernel, so that part runs plan-only
 * (steering-only mode). While they run, each process's {@code /proc/PID/status} (uid, gid, CapEff, CapBnd) and network
 * namespace are checked, and the agent's set and mangle rule are read back in its namespace.
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

        Dockerfile image = Dockerfile.read(REPO.resolve("Dockerfile"));
        List<Running> running = new ArrayList<>();
        try {
            for (Map.Entry<String, Map<String, Object>> e : services.entrySet()) {
                if (!e.getValue().containsKey("build")) continue;
                running.add(
                        start(e.getKey(), e.getValue(), image, entrypoint, jar, secrets, advertised, realBootstrap));
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
            for (Running r : running) assertIdentity(r);
            Running agent = running.stream()
                    .filter(r -> r.netns != null)
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no service with network_mode host (the agent)"));
            assertSteeringAppliedInItsNamespace(agent);
        } finally {
            for (Running r : running) r.stop();
            for (Process p : relays) stopTree(p);
            if (netns != null) run(List.of("ip", "netns", "del", netns));
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
            Dockerfile image,
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

        Identity id = Identity.of(name, svc, image);
        if (id.uid() != 0) { // the image's user: its writable directories are its own (deploy/README.md)
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            chownTree(box, id);
        }
        List<String> cmd = new ArrayList<>();
        String ns = null;
        if ("host".equals(svc.get("network_mode"))) { // the director's namespace: a private one stands in for it
            ns = privateNamespace();
            for (String hp : realBootstrap.split(",")) relayIntoNamespace(ns, hp);
            relayOutOfNamespace(ns, port);
            cmd.addAll(List.of("ip", "netns", "exec", ns));
        }
        cmd.addAll(id.setpriv());
        for (String a : entrypoint) {
            if (a.equals("java"))
                cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            else cmd.add(mapPath(a, mounts));
        }
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(box.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
        pb.environment().putAll(env);
        // the compose file's JVM options (C1, serial collector, the service's heap: decision 122); where a service
        // has none, C1 for test speed only (it starts a JVM about twice as fast on this 2-core machine)
        pb.environment().putIfAbsent("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        Path log = box.resolve("out.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Files.writeString(box.resolve("command.txt"), String.join(" ", cmd) + "\n" + env + "\n");
        return new Running(name, pb.start(), log, URI.create("http://127.0.0.1:" + port + path), id, ns);
    }

    // ---- the container's identity and capabilities ----

    /** Linux capability numbers (linux/capability.h) of the names a compose file may hold. */
    static final Map<String, Integer> CAPS = Map.ofEntries(
            Map.entry("CHOWN", 0),
            Map.entry("DAC_OVERRIDE", 1),
            Map.entry("DAC_READ_SEARCH", 2),
            Map.entry("FOWNER", 3),
            Map.entry("FSETID", 4),
            Map.entry("KILL", 5),
            Map.entry("SETGID", 6),
            Map.entry("SETUID", 7),
            Map.entry("SETPCAP", 8),
            Map.entry("NET_BIND_SERVICE", 10),
            Map.entry("NET_ADMIN", 12),
            Map.entry("NET_RAW", 13),
            Map.entry("SYS_MODULE", 16),
            Map.entry("SYS_CHROOT", 18),
            Map.entry("SYS_PTRACE", 19),
            Map.entry("SYS_ADMIN", 21),
            Map.entry("MKNOD", 27),
            Map.entry("AUDIT_WRITE", 29),
            Map.entry("SETFCAP", 31));

    /** Docker's default capability set (a container without {@code cap_drop: [ALL]} keeps these). */
    static final Set<String> DOCKER_DEFAULT_CAPS = Set.of(
            "CHOWN",
            "DAC_OVERRIDE",
            "FSETID",
            "FOWNER",
            "MKNOD",
            "NET_RAW",
            "SETGID",
            "SETUID",
            "SETFCAP",
            "SETPCAP",
            "NET_BIND_SERVICE",
            "SYS_CHROOT",
            "KILL",
            "AUDIT_WRITE");

    /** The image's default user, resolved to numbers by its own {@code groupadd}/{@code useradd} lines. */
    record Dockerfile(int uid, int gid) {
        static Dockerfile read(Path file) throws IOException {
            String text = Files.readString(file).replace("\\\n", " ");
            Map<String, Integer> users = new LinkedHashMap<>();
            Map<String, Integer> groups = new LinkedHashMap<>();
            String user = null;
            for (String line : text.split("\n")) {
                if (line.startsWith("#")) continue;
                if (line.startsWith("USER ")) user = line.substring(5).strip();
                for (String cmd : line.split("&&")) {
                    List<String> t = List.of(cmd.strip().split("\\s+"));
                    if (t.contains("useradd") && t.contains("--uid"))
                        users.put(t.get(t.size() - 1), Integer.parseInt(t.get(t.indexOf("--uid") + 1)));
                    if (t.contains("groupadd") && t.contains("--gid"))
                        groups.put(t.get(t.size() - 1), Integer.parseInt(t.get(t.indexOf("--gid") + 1)));
                }
            }
            assertThat(user).as("%s: USER", file).isNotNull();
            String[] ug = user.split(":");
            Integer uid = ug[0].matches("\\d+") ? Integer.valueOf(ug[0]) : users.get(ug[0]);
            String g = ug.length > 1 ? ug[1] : ug[0];
            Integer gid = g.matches("\\d+") ? Integer.valueOf(g) : groups.get(g);
            assertThat(uid).as("%s: USER %s: uid (useradd --uid)", file, user).isNotNull();
            assertThat(gid).as("%s: USER %s: gid (groupadd --gid)", file, user).isNotNull();
            return new Dockerfile(uid, gid);
        }
    }

    /** Who a service's container runs as: uid, gid, and its capability bounding set (names without CAP_). */
    record Identity(int uid, int gid, Set<String> caps) {
        @SuppressWarnings("unchecked")
        static Identity of(String service, Map<String, Object> svc, Dockerfile image) {
            int uid = image.uid();
            int gid = image.gid();
            if (svc.get("user") != null) {
                String[] ug = String.valueOf(svc.get("user")).split(":");
                assertThat(ug[0])
                        .as("%s: user %s (numeric uid[:gid])", service, svc.get("user"))
                        .matches("\\d+");
                uid = Integer.parseInt(ug[0]);
                gid = ug.length > 1 ? Integer.parseInt(ug[1]) : uid;
            }
            List<String> drop = ((List<Object>) svc.getOrDefault("cap_drop", List.of()))
                    .stream().map(Identity::capName).toList();
            List<String> add = ((List<Object>) svc.getOrDefault("cap_add", List.of()))
                    .stream().map(Identity::capName).toList();
            Set<String> caps = new TreeSet<>(drop.contains("ALL") ? Set.of() : DOCKER_DEFAULT_CAPS);
            caps.removeAll(drop);
            caps.addAll(add);
            for (String c : caps)
                assertThat(CAPS)
                        .as("%s: capability %s known to this test", service, c)
                        .containsKey(c);
            return new Identity(uid, gid, caps);
        }

        private static String capName(Object o) {
            String c = String.valueOf(o).toUpperCase(java.util.Locale.ROOT);
            return c.startsWith("CAP_") ? c.substring(4) : c;
        }

        long mask() {
            long m = 0;
            for (String c : caps) m |= 1L << CAPS.get(c);
            return m;
        }

        /** Docker gives uid 0 its bounding set as effective, any other uid no effective capability. */
        long effective() {
            return uid == 0 ? mask() : 0;
        }

        List<String> setpriv() {
            String set = "-all"
                    + caps.stream()
                            .map(c -> ",+" + c.toLowerCase(java.util.Locale.ROOT))
                            .collect(Collectors.joining());
            return List.of(
                    "setpriv",
                    "--reuid=" + uid,
                    "--regid=" + gid,
                    "--clear-groups",
                    "--inh-caps=" + set,
                    "--bounding-set=" + set);
        }
    }

    private static void chownTree(Path dir, Identity id) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setAttribute(p, "unix:uid", id.uid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(p, "unix:gid", id.gid(), java.nio.file.LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    /** The running process's uid, gid, effective and bounding capabilities and network namespace, from /proc. */
    private static void assertIdentity(Running r) throws IOException {
        long pid = r.process.pid();
        Map<String, String> status = new LinkedHashMap<>();
        for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            int c = l.indexOf(':');
            if (c > 0) status.put(l.substring(0, c), l.substring(c + 1).strip());
        }
        String u = Integer.toString(r.id.uid());
        String g = Integer.toString(r.id.gid());
        assertThat(status.get("Name")).as("%s: pid %d runs java", r.name, pid).isEqualTo("java");
        assertThat(status.get("Uid").split("\\s+"))
                .as("%s: Uid (real, effective, saved, fs)", r.name)
                .containsOnly(u);
        assertThat(status.get("Gid").split("\\s+")).as("%s: Gid", r.name).containsOnly(g);
        assertThat(status.get("Groups")).as("%s: supplementary groups", r.name).isEmpty();
        long eff = Long.parseLong(status.get("CapEff"), 16);
        long bnd = Long.parseLong(status.get("CapBnd"), 16);
        long prm = Long.parseLong(status.get("CapPrm"), 16);
        assertThat(bnd).as("%s: CapBnd (%s)", r.name, r.id.caps()).isEqualTo(r.id.mask());
        assertThat(eff).as("%s: CapEff", r.name).isEqualTo(r.id.effective());
        assertThat(prm).as("%s: CapPrm", r.name).isEqualTo(r.id.effective());
        for (String absent : List.of("SYS_ADMIN", "DAC_OVERRIDE", "SYS_MODULE", "NET_RAW", "CHOWN", "SYS_PTRACE")) {
            if (r.id.caps().contains(absent)) continue;
            assertThat(eff & (1L << CAPS.get(absent)))
                    .as("%s: CapEff %x holds no CAP_%s", r.name, eff, absent)
                    .isZero();
        }
        String own = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String its = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net"))
                .toString();
        if (r.netns == null) assertThat(its).as("%s: network namespace", r.name).isEqualTo(own);
        else {
            assertThat(its)
                    .as("%s: runs in namespace %s, not this machine's", r.name, r.netns)
                    .isNotEqualTo(own);
            assertThat(its)
                    .as("%s: network namespace is %s", r.name, r.netns)
                    .isEqualTo("net:[" + Files.getAttribute(Path.of("/run/netns", r.netns), "unix:ino") + "]");
        }
        System.out.printf(
                "compose: %s pid %d uid %s gid %s CapEff %016x CapBnd %016x%s%n",
                r.name, pid, u, g, eff, bnd, r.netns == null ? "" : " netns " + r.netns + " " + its);
    }

    /** The agent applied its set and its mangle rule in its namespace, with NET_ADMIN only; IPVS plan-only. */
    private void assertSteeringAppliedInItsNamespace(Running agent) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String sets = "";
        String mangle = "";
        while (System.nanoTime() - deadline < 0) {
            sets = run(List.of("ip", "netns", "exec", agent.netns, "ipset", "list", "-n"));
            mangle = run(List.of("ip", "netns", "exec", agent.netns, "iptables-save", "-t", "mangle"));
            if (sets.lines().anyMatch("videolb-clients"::equals)
                    && mangle.contains("--match-set videolb-clients")
                    && mangle.contains("-A PREROUTING")
                    && mangle.contains("-j VIDEOLB-STEER")) break;
            assertThat(agent.process.isAlive())
                    .as("agent alive: %s", agent.tail())
                    .isTrue();
            Thread.sleep(500);
        }
        assertThat(sets.lines().toList())
                .as("ipset list -n in %s:\n%s", agent.netns, agent.tail())
                .contains("videolb-clients");
        assertThat(mangle)
                .as("iptables-save -t mangle in %s", agent.netns)
                .contains(":VIDEOLB-STEER")
                .contains("-j VIDEOLB-STEER")
                .contains("--match-set videolb-clients");
        String members = run(List.of("ip", "netns", "exec", agent.netns, "ipset", "list", "videolb-clients"));
        System.out.printf(
                "compose: agent's steering in %s: set videolb-clients (%d lines), mangle:%n%s%n",
                agent.netns,
                members.lines().count(),
                mangle.lines().filter(l -> l.contains("VIDEOLB")).collect(Collectors.joining("\n")));
        HttpClient http = HttpClient.newHttpClient();
        String metrics = http.send(
                        HttpRequest.newBuilder(agent.ready.resolve("/metrics"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics).as("agent /metrics: mode").contains("mode=\"steering-only\"");
        assertThat(Files.readString(agent.log))
                .as("agent log: IPVS plan-only, said so")
                .contains("plan-only");
    }

    // ---- the agent's namespace and the relays to it ----

    private String netns;
    private final List<Process> relays = new ArrayList<>();

    private String privateNamespace() {
        assertThat(netns).as("one host-network service").isNull();
        String ns = "vlb-compose-" + Long.toHexString(System.nanoTime() & 0xffffffL);
        runOk(List.of("ip", "netns", "add", ns));
        netns = ns;
        runOk(List.of("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"));
        return ns;
    }

    /** Inside {@code ns}, 127.0.0.1:P is this machine's HOST:P (the broker): socat over a Unix socket. */
    private void relayIntoNamespace(String ns, String hostPort) throws Exception {
        String port = hostPort.substring(hostPort.lastIndexOf(':') + 1);
        Path sock = tmp.resolve("k" + port + ".sock");
        relay(List.of("socat", "UNIX-LISTEN:" + sock + ",fork", "TCP:" + hostPort), sock);
        relay(
                List.of(
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "socat",
                        "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr",
                        "UNIX-CONNECT:" + sock),
                null);
    }

    /** On this machine, 127.0.0.1:P is {@code ns}'s 127.0.0.1:P (the agent's HTTP, as a published port). */
    private void relayOutOfNamespace(String ns, int port) throws Exception {
        Path sock = tmp.resolve("h" + port + ".sock");
        relay(
                List.of("ip", "netns", "exec", ns, "socat", "UNIX-LISTEN:" + sock + ",fork", "TCP:127.0.0.1:" + port),
                sock);
        relay(List.of("socat", "TCP-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr", "UNIX-CONNECT:" + sock), null);
    }

    private void relay(List<String> cmd, Path listening) throws Exception {
        Path log = tmp.resolve("relay-" + relays.size() + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        relays.add(p);
        for (int i = 0; i < 100 && listening != null && !Files.exists(listening); i++) Thread.sleep(50);
        assertThat(p.isAlive()).as("%s: %s", cmd, Files.readString(log)).isTrue();
        if (listening != null) assertThat(listening).as("%s listening", cmd).exists();
    }

    private static void stopTree(Process p) {
        p.descendants().forEach(ProcessHandle::destroy); // socat's children of open connections
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) p.destroyForcibly();
        return out;
    }

    private static void runOk(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(20, TimeUnit.SECONDS))
                    .as("%s within 20 s", cmd)
                    .isTrue();
            assertThat(p.exitValue()).as("%s: %s", cmd, out).isZero();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(cmd + ": " + e, e);
        }
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
        final Identity id;
        /** The private network namespace it runs in, or null: this machine's. */
        final String netns;

        volatile String last = "";

        Running(String name, Process process, Path log, URI ready, Identity id, String netns) {
            this.name = name;
            this.process = process;
            this.log = log;
            this.ready = ready;
            this.id = id;
            this.netns = netns;
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
