package io.videolb.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.events.AgentStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.testsupport.chaos.EditWriter;
import io.videolb.testsupport.kafka.KafkaCluster;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, chaos test 1 with every service as its own process: config-service, health-service, ipvs-agents
 * (plan-only) and alert-service (mailing to GreenMail), each started as an operator does ({@code java -jar
 * videolb.jar config-service|health|agent|alert} with {@code VIDEOLB_*} settings), against three broker processes
 * (test-support {@link KafkaCluster}: RF 3, min ISR 2). Two writers make admin-API edits with If-Match while one
 * broker after the other is {@code kill -9}ed and restarted (victims in turn the desired topic's partition leader,
 * the transaction coordinator of config-service's transactional id, a node that is neither); one real server fails
 * during the first kill and comes back during the second. Asserted: no acknowledged edit lost, no refused edit
 * visible, generations gapless ({@link EditWriter#verify}); every agent reaches the last generation; verdicts keep
 * coming for every server after the kills with per-server sequences that only grow; the failed server's incident is
 * mailed opened exactly once and resolved exactly once, no incident mailed twice in a row in the same state, no
 * Message-ID twice; every process is the one started (none died or was restarted) and answers {@code /health}.
 * Short in CI ({@code videolb.chaos.kills} 3); the long run is in docs/reliability.md.
 */
class ServicesUnderBrokerKillsIT {
    static final int KILLS = Integer.getInteger("videolb.chaos.kills", 3);
    static final long DOWN_MS = Long.getLong("videolb.chaos.downMs", 3000);
    static final int AGENTS = Integer.getInteger("videolb.chaos.agents", 1);
    static final Duration WAIT = Duration.ofSeconds(90);
    /**
     * How long each service process may take to print its running line (90 s; on a machine shared with other builds the
     * long run's JVM start-ups took longer: {@code -Dvideolb.chaos.startWaitS=300}).
     */
    static final Duration START_WAIT = Duration.ofSeconds(Long.getLong("videolb.chaos.startWaitS", 90));

    static final String FAILING = "192.0.2.11";
    static final List<String> SERVERS = List.of("192.0.2.11", "192.0.2.12", "192.0.2.14", "192.0.2.21");
    static final String FAILING_INCIDENT = "server-down/" + FAILING;

    static final Map<String, String> EXAMPLE = new LinkedHashMap<>();

    static {
        EXAMPLE.put(
                "param.csv",
                "field,value\nlvsIP,198.51.100.10\nip_domain,10.20.0.0/16\nmailid,ops@example.com\npersistence_time,60\nfwdefault,50\n");
        EXAMPLE.put("client-list.csv", "IP,fwmark\n10.20.255.1,10\n");
        EXAMPLE.put(
                "fwmark-routing-list.csv",
                "fwmark,server,schedule\n10,\"192.0.2.11\",rr\n20,\"192.0.2.12\",rr\n50,\"192.0.2.14\",rr\n");
        EXAMPLE.put("realserver-backup-list.csv", "RIP,backup\n192.0.2.11,192.0.2.21\n");
    }

    @TempDir
    Path tmp;

    KafkaCluster cluster;
    GreenMail greenMail;
    final List<ServiceProcess> services = new ArrayList<>();
    final Map<String, ServerSocket> listeners = new ConcurrentHashMap<>();
    final Map<String, Integer> ports = new HashMap<>();
    EditWriter writer;
    Thread observer;
    volatile boolean stopObserving;

    /** Every verdict seen, in the order of its partition (the health topic is keyed by server). */
    record Seen(long atNanos, HealthVerdict verdict) {}

    final List<Seen> verdicts = new CopyOnWriteArrayList<>();
    final Map<String, AgentStatus> lastStatus = new ConcurrentHashMap<>();
    /** director/generation -> when a status of that director first named that desired generation (nanoTime). */
    final Map<String, Long> firstSeen = new ConcurrentHashMap<>();

    final Map<String, Integer> staleStatuses = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() throws Exception {
        stopObserving = true;
        if (observer != null) observer.join(10_000);
        if (writer != null) writer.close();
        for (ServiceProcess s : services) s.close();
        for (ServerSocket s : listeners.values()) s.close();
        if (greenMail != null) greenMail.stop();
        if (cluster != null) cluster.close();
    }

    @Test
    void everyServiceAsItsOwnProcessRidesOutBrokerKillsWithNoLostEditNoLostOrDoubledMailAndNoCrash() throws Exception {
        long testStart = System.nanoTime();
        Path jar = Path.of(System.getProperty("videolb.jar", "target/videolb.jar"));
        assertThat(jar).as("shaded jar (built in the package phase)").isRegularFile();
        cluster = KafkaCluster.start(3);
        Topics topics = new Topics("svc-chaos-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36));
        for (String server : SERVERS) listen(server, 0);
        int smtpPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            smtpPort = s.getLocalPort();
        }
        ServerSetup setup = new ServerSetup(smtpPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(15_000);
        greenMail = new GreenMail(setup);
        greenMail.start();

        Map<String, String> common = Map.of(
                "VIDEOLB_BOOTSTRAP", cluster.bootstrapServers(),
                "VIDEOLB_TOPIC_PREFIX", topics.prefix());
        String token = "adm-" + UUID.randomUUID();
        Path tokens = tmp.resolve("tokens");
        Files.writeString(tokens, TokenFile.line("chaos", Role.ADMIN, token) + "\n");
        ServiceProcess config = start(
                jar,
                "config-service",
                List.of("config-service", "--http-port", "0"),
                with(common, "VIDEOLB_API_TOKENS", tokens.toString()));
        config.awaitRunning(START_WAIT);
        writer = new EditWriter(URI.create("http://127.0.0.1:" + config.httpPort), token);
        EditWriter.Answer imported = writer.importFiles(EXAMPLE, 0);
        assertThat(imported.status()).as(imported.body()).isEqualTo(200);

        StringBuilder endpoints = new StringBuilder();
        for (String server : SERVERS)
            endpoints
                    .append(endpoints.length() == 0 ? "" : ",")
                    .append(server)
                    .append("=127.0.0.1:")
                    .append(ports.get(server))
                    .append(':')
                    .append(ports.get(server));
        Map<String, String> health = new HashMap<>(common);
        health.putAll(Map.of(
                "VIDEOLB_HEALTH_CHECKER_ID", "chaos-checker",
                "VIDEOLB_HEALTH_HTTP_PORT", "0",
                "VIDEOLB_HEALTH_LEVEL", "TCP",
                "VIDEOLB_HEALTH_INTERVAL_MS", "300",
                "VIDEOLB_HEALTH_TIMEOUT_MS", "200",
                "VIDEOLB_HEALTH_RISE", "1",
                "VIDEOLB_HEALTH_FALL", "2",
                "VIDEOLB_HEALTH_DWELL_MS", "0",
                "VIDEOLB_HEALTH_REFRESH_MS", "500",
                "VIDEOLB_HEALTH_ENDPOINTS", endpoints.toString()));
        health.put("VIDEOLB_HEALTH_HEARTBEAT_MS", "200");
        ServiceProcess checker = start(jar, "health-service", List.of("health"), health);
        List<String> directors = new ArrayList<>();
        for (int i = 0; i < AGENTS; i++) {
            String director = "chaos-d" + (i + 1);
            directors.add(director);
            Path home = Files.createDirectories(tmp.resolve(director));
            Files.createDirectories(home.resolve("state"));
            Files.createDirectories(home.resolve("sys"));
            Map<String, String> agent = new HashMap<>(common);
            agent.putAll(Map.of(
                    "VIDEOLB_DIRECTOR", director,
                    "VIDEOLB_PLAN_ONLY", "true",
                    "VIDEOLB_STATE_DIR", home.resolve("state").toString(),
                    "VIDEOLB_SYSCTL_ROOT", home.resolve("sys").toString(),
                    "VIDEOLB_IPVS_RULES", "off",
                    "VIDEOLB_IPTABLES_RULES", "off",
                    "VIDEOLB_IPSET_RULES", "off",
                    "VIDEOLB_HTTP_HOST", "127.0.0.1",
                    "VIDEOLB_HTTP_PORT", "0",
                    "VIDEOLB_HOLD_DOWN_S", "0"));
            agent.put("VIDEOLB_RESYNC_S", "10");
            start(jar, "agent-" + director, List.of("agent"), agent);
        }
        Map<String, String> alert = new HashMap<>(common);
        alert.putAll(Map.of(
                "VIDEOLB_ALERT_HTTP", "127.0.0.1:0",
                "VIDEOLB_ALERT_SMTP_HOST", "127.0.0.1",
                "VIDEOLB_ALERT_SMTP_PORT", Integer.toString(smtpPort),
                "VIDEOLB_ALERT_SMTP_TLS", "NONE",
                "VIDEOLB_ALERT_GROUP_SECONDS", "1",
                "VIDEOLB_ALERT_SINK_DIR", tmp.resolve("sink").toString()));
        ServiceProcess alerts = start(jar, "alert-service", List.of("alert"), alert);
        for (ServiceProcess s : services) s.awaitRunning(START_WAIT);
        long startedMs = ms(testStart);

        observe(topics, directors);
        long generation = writer.generation();
        // plan-only agents apply nothing (appliedGeneration stays 0): desiredGeneration is the generation they read
        // in full and planned their run for
        awaitTrue(
                "every agent planned generation " + generation + " with fresh health",
                () -> directors.stream()
                        .allMatch(d -> lastStatus.get(d) != null
                                && lastStatus.get(d).desiredGeneration() == generation
                                && lastStatus.get(d).health() != null
                                && !lastStatus.get(d).health().stale()));
        awaitTrue("alert-service healthy", () -> alerts.get("/health") == 200);

        // the kills, with one real server failing during the first and coming back during the second
        String txId = DesiredStatePublisher.defaultTransactionalId(topics);
        List<String> replicated = List.of(topics.desired(), topics.audit(), topics.alertState(), "__transaction_state");
        writer.start();
        EditWriter.pause(1500);
        StringBuilder victims = new StringBuilder();
        long failedAt = 0;
        long backAt = 0;
        long lastRestartAt = 0;
        for (int i = 0; i < KILLS; i++) {
            int leader = cluster.leaderOf(topics.desired(), 0).orElse(1);
            int coordinator = cluster.coordinatorOf(txId).orElse(2);
            int victim = switch (i % 3) {
                case 0 -> leader;
                case 1 -> coordinator;
                default -> neither(leader, coordinator);
            };
            victims.append(i == 0 ? "" : ",")
                    .append(victim)
                    .append(i % 3 == 0 ? "(desired leader)" : i % 3 == 1 ? "(tx coordinator)" : "(other)");
            cluster.kill(victim);
            if (i == 0) {
                listeners.remove(FAILING).close(); // the server fails while the broker is down
                failedAt = System.nanoTime();
            }
            if (i == Math.min(1, KILLS - 1)) {
                EditWriter.pause(Math.min(DOWN_MS, 1000));
                listen(FAILING, ports.get(FAILING)); // and comes back while another one is down
                backAt = System.nanoTime();
            }
            EditWriter.pause(DOWN_MS);
            cluster.restart(victim);
            cluster.awaitListening(victim, WAIT);
            cluster.awaitBrokers(3, WAIT);
            lastRestartAt = System.nanoTime();
            cluster.awaitFullIsr(replicated, WAIT);
            EditWriter.pause(1000);
        }
        writer.stop();
        long recovery = writer.awaitRecovered(WAIT);
        String writes = writer.verify(
                cluster.settings("chaos-check-" + UUID.randomUUID().toString().substring(0, 8)),
                topics.desired(),
                "one broker kill -9 x" + KILLS + " (down " + DOWN_MS + " ms each; victims " + victims + ")");
        assertThat(writer.acknowledged().size()).as(writes).isGreaterThan(KILLS);
        long last = EditWriter.readTopic(cluster.settings("chaos-last"), topics.desired())
                .lastGeneration();

        long convergeFrom = System.nanoTime();
        awaitTrue(
                "every agent planned the last generation " + last,
                () -> directors.stream()
                        .allMatch(d ->
                                lastStatus.get(d) != null && lastStatus.get(d).desiredGeneration() == last));
        long convergedMs = ms(convergeFrom);
        // from the acknowledgement of the last generation's write to the slowest agent's first status naming it
        long lastAckEnd = writer.acknowledged().stream()
                .filter(a -> a.generation() == last)
                .mapToLong(EditWriter.Attempt::endNanos)
                .findFirst()
                .orElse(convergeFrom);
        long agentLagMs = directors.stream()
                .mapToLong(d -> TimeUnit.NANOSECONDS.toMillis(firstSeen.get(d + "/" + last) - lastAckEnd))
                .max()
                .orElse(-1);
        long lastFreshNanos = System.nanoTime();
        awaitTrue(
                "the failed server's incident mailed as opened and as resolved",
                () -> incidentMails(FAILING_INCIDENT).contains("NEW")
                        && incidentMails(FAILING_INCIDENT).contains("RESOLVED"));
        long mailsMs = ms(lastFreshNanos);
        EditWriter.pause(3000); // a duplicate would arrive now (group window 1 s)

        // verdicts keep coming for every server after the kills, and each server's sequence only grows
        Map<String, Long> lastSeq = new HashMap<>();
        Map<String, Long> lastAt = new HashMap<>();
        long longestGap = 0;
        long prevAt = -1;
        for (Seen s : verdicts) {
            String server = s.verdict().server().toString();
            Long prev = lastSeq.put(server, s.verdict().sequence());
            if (prev != null)
                assertThat(s.verdict().sequence())
                        .as("sequence of %s after %d", server, prev)
                        .isGreaterThan(prev);
            lastAt.put(server, s.atNanos());
            if (prevAt >= 0) longestGap = Math.max(longestGap, s.atNanos() - prevAt);
            prevAt = s.atNanos();
        }
        for (String server : SERVERS)
            assertThat(lastAt.get(server))
                    .as("a verdict on %s after the last kill", server)
                    .isGreaterThan(lastRestartAt);
        long lastBack = lastRestartAt;
        long verdictsAfter =
                verdicts.stream().filter(v -> v.atNanos() > lastBack).count();

        // mails: the failed server opened once, resolved once; no incident twice in a row in one state; no duplicate
        List<MimeMessage> mails = mails();
        Set<String> ids = new HashSet<>();
        for (MimeMessage m : mails)
            assertThat(ids.add(m.getMessageID()))
                    .as("Message-ID %s once", m.getMessageID())
                    .isTrue();
        assertThat(incidentMails(FAILING_INCIDENT))
                .as("%s: opened once and resolved once, in this order", FAILING_INCIDENT)
                .containsExactly("NEW", "RESOLVED");
        Map<String, List<String>> all = incidentHistory();
        all.forEach((incident, reported) -> {
            // opened and resolved alternate, opened first (a blip "came and went" within the grouping window is
            // reported as such and is neither)
            List<String> states = reported.stream()
                    .filter(x -> x.equals("NEW") || x.equals("RESOLVED"))
                    .toList();
            for (int i = 1; i < states.size(); i++)
                assertThat(states.get(i))
                        .as("%s mailed twice in a row as %s: %s", incident, states.get(i), reported)
                        .isNotEqualTo(states.get(i - 1));
            if (!states.isEmpty())
                assertThat(states.get(0))
                        .as("%s first mailed as %s", incident, reported)
                        .isEqualTo("NEW");
        });

        // no service crashed: the processes started at the beginning are the ones running, and they answer
        for (ServiceProcess s : services) {
            assertThat(s.process.isAlive())
                    .as("%s still running (log %s)", s.name, s.log)
                    .isTrue();
            if (s != config)
                assertThat(s.get("/health")).as("%s answers /health", s.name).isPositive();
        }
        int healthStatus = checker.get("/health");
        long staleCount =
                staleStatuses.values().stream().mapToLong(Integer::longValue).sum();
        String figures = String.format(
                Locale.ROOT,
                "services as processes (config-service, health-service, %d plan-only agents, alert-service) under"
                        + " %s; ready and writing again %d ms after the last broker was back; agents at the last"
                        + " generation %d %d ms after its write was acknowledged (the check waited %d ms); %d verdicts, %d after the last kill, longest gap"
                        + " between two verdicts seen %d ms, %d agent statuses said 'health stale'; server %s failed"
                        + " during kill 1 and came back during kill 2 (%d ms apart): mailed opened 1 x, resolved 1 x"
                        + " (%d ms after the agents converged); %d mails in all (%s), no Message-ID twice; every"
                        + " process alive (health-service /health %d); processes up in %d ms, test %d ms",
                AGENTS,
                writes,
                recovery,
                last,
                agentLagMs,
                convergedMs,
                verdicts.size(),
                verdictsAfter,
                TimeUnit.NANOSECONDS.toMillis(longestGap),
                staleCount,
                FAILING,
                TimeUnit.NANOSECONDS.toMillis(backAt - failedAt),
                mailsMs,
                mails.size(),
                all,
                healthStatus,
                startedMs,
                ms(testStart));
        System.out.println("CHAOS " + figures);
        for (ServiceProcess s : services)
            System.out.println("ERROR lines of " + s.name + ": "
                    + s.errorLines().size() + (s.errorLines().isEmpty() ? "" : " " + s.errorLines()));
    }

    /** Starts a service process; {@link ServiceProcess#awaitRunning} waits for it (several start side by side). */
    private ServiceProcess start(Path jar, String name, List<String> command, Map<String, String> env)
            throws Exception {
        ServiceProcess s = ServiceProcess.launch(jar, name, command, env, tmp.resolve(name + ".log"));
        services.add(s);
        return s;
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    /** A node that is neither {@code a} nor {@code b}. */
    private int neither(int a, int b) {
        for (int id = 1; id <= cluster.size(); id++) if (id != a && id != b) return id;
        return a % cluster.size() + 1;
    }

    /** A loopback listener for {@code server}'s TCP probe (accepts and closes); port 0: any, remembered. */
    private void listen(String server, int port) throws Exception {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        ports.put(server, ss.getLocalPort());
        listeners.put(server, ss);
        Thread t = new Thread(
                () -> {
                    while (!ss.isClosed()) {
                        try (Socket s = ss.accept()) {
                            // accepted and closed: the TCP probe's connect succeeds
                        } catch (Exception e) {
                            return;
                        }
                    }
                },
                "chaos-server-" + server);
        t.setDaemon(true);
        t.start();
    }

    /** Reads the health and agent-status topics from offset 0 on a thread of its own until the test ends. */
    private void observe(Topics topics, List<String> directors) {
        observer = new Thread(
                () -> {
                    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(
                            cluster.settings("chaos-observer").stateConsumer())) {
                        List<TopicPartition> parts = new ArrayList<>();
                        List<String> read = new ArrayList<>(List.of(topics.health()));
                        directors.forEach(d -> read.add(topics.agentStatus(d))); // each agent's own (decision 113)
                        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                        for (String t : read) {
                            List<PartitionInfo> infos = c.partitionsFor(t, Duration.ofSeconds(60));
                            // an agent creates its own topic with its first status: wait for it (bounded)
                            while (infos.isEmpty() && System.nanoTime() < until) {
                                Thread.sleep(200);
                                infos = c.partitionsFor(t, Duration.ofSeconds(60));
                            }
                            for (PartitionInfo p : infos) parts.add(new TopicPartition(t, p.partition()));
                        }
                        c.assign(parts);
                        c.seekToBeginning(parts);
                        while (!stopObserving) {
                            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                                if (r.topic().equals(topics.health())) {
                                    if (HealthRecord.decode(r.key(), r.value()) instanceof HealthRecord.ServerVerdict v)
                                        verdicts.add(new Seen(System.nanoTime(), v.verdict()));
                                } else if (r.value() != null) {
                                    AgentStatus s = Json.read(r.value(), AgentStatus.class);
                                    lastStatus.put(s.director(), s);
                                    firstSeen.putIfAbsent(
                                            s.director() + "/" + s.desiredGeneration(), System.nanoTime());
                                    if (s.health() != null && s.health().stale())
                                        staleStatuses.merge(s.director(), 1, Integer::sum);
                                }
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        if (!stopObserving) throw e;
                    }
                },
                "chaos-observer");
        observer.setDaemon(true);
        observer.start();
    }

    private List<MimeMessage> mails() {
        return List.of(greenMail.getReceivedMessages());
    }

    private static final Pattern SECTION = Pattern.compile("^== ([A-Z]+)");
    private static final Pattern INCIDENT = Pattern.compile("^\\* .*\\[([^\\]]+)\\]$");

    /** Per incident id, the sections it was reported in, mail after mail (NEW, RESOLVED, STILL, CAME, ...). */
    private Map<String, List<String>> incidentHistory() {
        Map<String, List<String>> out = new TreeMap<>();
        for (MimeMessage m : mails()) {
            String body;
            try {
                body = String.valueOf(m.getContent()).replace("\r\n", "\n");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            String section = "";
            for (String line : body.split("\n")) {
                Matcher s = SECTION.matcher(line);
                if (s.find()) section = s.group(1);
                Matcher i = INCIDENT.matcher(line);
                if (i.find() && !section.equals("STILL"))
                    out.computeIfAbsent(i.group(1), k -> new ArrayList<>()).add(section);
            }
        }
        return out;
    }

    private List<String> incidentMails(String incident) {
        return incidentHistory().getOrDefault(incident, List.of());
    }

    private static long ms(long fromNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fromNanos);
    }

    private void awaitTrue(String what, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0)
                throw new AssertionError("timed out waiting for " + what + "; agents' last statuses: " + lastStatus
                        + "; mails: " + incidentHistory());
            Thread.sleep(100);
        }
    }
}
