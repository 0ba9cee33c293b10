package io.videolb.testsupport.kafka;

import io.videolb.kafka.KafkaSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;

/**
 * A real Kafka cluster of N broker PROCESSES (separate JVMs started from this JVM's class path with
 * {@code kafka.Kafka server.properties}, after {@code kafka.tools.StorageTool format}), KRaft with every node both
 * broker and controller (a controller quorum of N), replication factor N and {@code min.insync.replicas}
 * {@code min(2, N)} for every topic. For failure tests: {@link #kill} ({@code kill -9} by PID) and {@link #restart}
 * one node, find a partition's leader ({@link #leaderOf}) or a transactional id's coordinator
 * ({@link #coordinatorOf}). Every wait is bounded; {@link #close()} kills every process it started (by PID) and
 * deletes the data directory.
 *
 * <p>Failover speed is set by {@link #FAILOVER_SETTINGS} (a dead broker is fenced after
 * {@code broker.session.timeout.ms}, then its partitions get a new leader; a lagging replica leaves the ISR after
 * {@code replica.lag.time.max.ms}); they are printed in {@code docs/reliability.md}.
 */
public final class KafkaCluster implements AutoCloseable {
    /** The broker settings that bound how long a killed broker's partitions stay without a working leader. */
    public static final Map<String, String> FAILOVER_SETTINGS = Map.of(
            "broker.session.timeout.ms", "3000",
            "broker.heartbeat.interval.ms", "500",
            "replica.lag.time.max.ms", "5000",
            "controller.quorum.election.timeout.ms", "1000",
            "controller.quorum.fetch.timeout.ms", "2000",
            "controller.quorum.request.timeout.ms", "2000");

    private static final Duration START_WAIT = Duration.ofSeconds(120);

    private final Path dir;
    private final int size;
    private final int[] brokerPorts;
    private final int[] controllerPorts;
    private final Process[] procs;
    private final String clusterId = Uuid.randomUuid().toString();
    private final String classPath;

    private KafkaCluster(int size, Path dir) {
        this.size = size;
        this.dir = dir;
        this.brokerPorts = new int[size];
        this.controllerPorts = new int[size];
        this.procs = new Process[size];
        String cp = System.getProperty("surefire.test.class.path");
        this.classPath = cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /** Formats and starts {@code size} (1..5) nodes and waits until all of them are brokers of the cluster. */
    public static KafkaCluster start(int size) {
        if (size < 1 || size > 5) throw new IllegalArgumentException("size must be 1..5");
        KafkaCluster c;
        try {
            c = new KafkaCluster(size, Files.createTempDirectory("videolb-kafka-cluster"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            c.init();
            return c;
        } catch (RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    private void init() {
        for (int i = 0; i < size; i++) {
            brokerPorts[i] = freePort();
            controllerPorts[i] = freePort();
        }
        List<Process> formats = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            writeProperties(i);
            formats.add(java(
                    i,
                    "format",
                    List.of(
                            "kafka.tools.StorageTool",
                            "format",
                            "-t",
                            clusterId,
                            "-c",
                            props(i).toString(),
                            "--ignore-formatted")));
        }
        for (int i = 0; i < size; i++) {
            Process f = formats.get(i);
            try {
                if (!f.waitFor(90, TimeUnit.SECONDS)) {
                    f.destroyForcibly();
                    throw new IllegalStateException("formatting node " + (i + 1) + " took longer than 90 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (f.exitValue() != 0)
                throw new IllegalStateException("formatting node " + (i + 1) + " failed: " + tail(log(i, "format")));
        }
        for (int i = 0; i < size; i++) launch(i);
        awaitBrokers(size, START_WAIT);
    }

    private Path nodeDir(int i) {
        return dir.resolve("node-" + (i + 1));
    }

    private Path props(int i) {
        return nodeDir(i).resolve("server.properties");
    }

    private Path log(int i, String what) {
        return nodeDir(i).resolve(what + ".log");
    }

    private void writeProperties(int i) {
        Properties p = new Properties();
        StringJoiner voters = new StringJoiner(",");
        for (int j = 0; j < size; j++) voters.add((j + 1) + "@127.0.0.1:" + controllerPorts[j]);
        String minIsr = Integer.toString(Math.min(2, size));
        String rf = Integer.toString(size);
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(i + 1));
        p.put("controller.quorum.voters", voters.toString());
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i] + ",CONTROLLER://127.0.0.1:" + controllerPorts[i]);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPorts[i]);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", nodeDir(i).resolve("data").toString());
        p.put("default.replication.factor", rf);
        p.put("min.insync.replicas", minIsr);
        p.put("offsets.topic.replication.factor", rf);
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("unclean.leader.election.enable", "false");
        p.put("log.cleaner.dedupe.buffer.size", "4194304");
        p.put("log.cleaner.io.buffer.size", "262144");
        p.put("log.cleaner.threads", "1");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        p.put("background.threads", "2");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("num.replica.fetchers", "1");
        p.put("log.index.size.max.bytes", "1048576");
        p.putAll(FAILOVER_SETTINGS);
        try {
            Files.createDirectories(nodeDir(i));
            try (Writer w = Files.newBufferedWriter(props(i))) {
                p.store(w, "videolb test cluster node " + (i + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Process java(int i, String what, List<String> mainAndArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xms64m",
                "-Xmx" + (what.equals("format") ? "128m" : "384m"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp",
                classPath));
        cmd.addAll(mainAndArgs);
        try {
            return new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(log(i, what).toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void launch(int i) {
        procs[i] = java(i, "broker", List.of("kafka.Kafka", props(i).toString()));
    }

    /** Number of nodes. */
    public int size() {
        return size;
    }

    /** {@code 127.0.0.1:P1,127.0.0.1:P2,...} */
    public String bootstrapServers() {
        StringJoiner j = new StringJoiner(",");
        for (int p : brokerPorts) j.add("127.0.0.1:" + p);
        return j.toString();
    }

    /** The replication videolb's topics get on this cluster: factor N, {@code min.insync.replicas} min(2, N). */
    public io.videolb.kafka.TopicReplication replication() {
        return new io.videolb.kafka.TopicReplication(size, Math.min(2, size));
    }

    /** Client settings for this cluster. */
    public KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrapServers(), clientId);
    }

    /** The PID of node {@code id} (1-based), empty while it is down. */
    public Optional<Long> pid(int id) {
        Process p = procs[id - 1];
        return p != null && p.isAlive() ? Optional.of(p.pid()) : Optional.empty();
    }

    /** True while node {@code id}'s process runs. */
    public boolean isRunning(int id) {
        return pid(id).isPresent();
    }

    /** {@code kill -9} of node {@code id} by its PID; returns once the process is gone (bounded). */
    public void kill(int id) {
        Process p = procs[id - 1];
        if (p == null) return;
        p.destroyForcibly(); // SIGKILL on Unix
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS))
                throw new IllegalStateException("node " + id + " (pid " + p.pid() + ") still runs 30 s after SIGKILL");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        procs[id - 1] = null;
    }

    /** Starts node {@code id} again on its data (it must be down); does not wait for it to rejoin. */
    public void restart(int id) {
        if (isRunning(id)) throw new IllegalStateException("node " + id + " is running");
        launch(id - 1);
    }

    /** Waits (bounded) until node {@code id} accepts connections on its broker port. */
    public void awaitListening(int id, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (!isRunning(id))
                throw new IllegalStateException("node " + id + " exited: " + tail(log(id - 1, "broker")));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", brokerPorts[id - 1]), 500);
                return;
            } catch (IOException e) {
                sleep(200);
            }
        }
        throw new IllegalStateException("node " + id + " not listening within " + wait);
    }

    /** Waits (bounded) until {@code n} brokers are registered and unfenced. */
    public void awaitBrokers(int n, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            for (int i = 0; i < size; i++) {
                if (procs[i] != null && !procs[i].isAlive())
                    throw new IllegalStateException("node " + (i + 1) + " exited: " + tail(log(i, "broker")));
            }
            try (Admin a = admin()) {
                int live = a.describeCluster().nodes().get(3, TimeUnit.SECONDS).size();
                if (live >= n) return;
                last = live + " brokers";
            } catch (Exception e) {
                last = e.toString();
            }
            sleep(500);
        }
        throw new IllegalStateException("cluster did not reach " + n + " brokers within " + wait + " (" + last + ")");
    }

    /** Waits (bounded) until every partition of {@code topics} has all its replicas in sync again. */
    public void awaitFullIsr(List<String> topics, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            try (Admin a = admin()) {
                Map<String, TopicDescription> d =
                        a.describeTopics(topics).allTopicNames().get(3, TimeUnit.SECONDS);
                boolean full = d.values().stream()
                        .flatMap(t -> t.partitions().stream())
                        .allMatch(p -> p.isr().size() == p.replicas().size());
                if (full) return;
                last = d.toString();
            } catch (Exception e) {
                last = e.toString();
            }
            sleep(300);
        }
        throw new IllegalStateException("ISR not full within " + wait + ": " + last);
    }

    /** Node id of the leader of {@code topic}'s partition {@code partition}, empty when it has none. */
    public Optional<Integer> leaderOf(String topic, int partition) {
        try (Admin a = admin()) {
            TopicPartitionInfo p = a.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(5, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .get(partition);
            Node l = p.leader();
            return l == null || l.isEmpty() ? Optional.empty() : Optional.of(l.id());
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + topic + ": " + e, e);
        }
    }

    /** Node id that coordinates transactions of {@code transactionalId}: the leader of its {@code __transaction_state} partition. */
    public Optional<Integer> coordinatorOf(String transactionalId) {
        try (Admin a = admin()) {
            int n = a.describeTopics(List.of("__transaction_state"))
                    .allTopicNames()
                    .get(5, TimeUnit.SECONDS)
                    .get("__transaction_state")
                    .partitions()
                    .size();
            return leaderOf("__transaction_state", Utils.abs(transactionalId.hashCode()) % n);
        } catch (Exception e) {
            throw new IllegalStateException("cannot find the coordinator of " + transactionalId + ": " + e, e);
        }
    }

    private Admin admin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        return Admin.create(p);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String tail(Path f) {
        try {
            List<String> lines = Files.readAllLines(f);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills every node this cluster started (by PID) and deletes its data. */
    @Override
    public void close() {
        for (int i = 0; i < size; i++) {
            try {
                kill(i + 1);
            } catch (RuntimeException e) {
                // keep killing the others
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
