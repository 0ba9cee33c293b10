package io.videolb.kafka;

import io.videolb.threads.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the cluster can take a transactional write to some topics <em>now</em>, checked on its own thread
 * every {@code interval} with an admin client whose calls are bounded by {@code timeout}: every partition of the
 * topics (and the transaction-state partition that coordinates {@code transactionalId}) has a leader and at least
 * {@code min.insync.replicas} in-sync replicas, leader and replicas accepting a TCP connection. A check that gets no answer counts as "broker unreachable"; a last
 * good check older than {@code 3 x (interval + timeout)} does too. {@link #refusal()} never blocks, so a writer can
 * refuse at once (HTTP 503) instead of waiting for {@code max.block.ms} and a commit timeout.
 *
 * <p>It is a forecast, not a guarantee: a broker killed a moment ago is still the leader in the metadata until the
 * controller fences it (broker.session.timeout.ms); a write in that window waits for the producer's timeouts.
 */
public final class WriteAvailability implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriteAvailability.class);
    private static final String TX_STATE = "__transaction_state";

    private final Admin admin;
    private final List<String> topics;
    private final String transactionalId;
    private final Duration interval;
    private final Duration timeout;
    private final long staleNanos;
    private final Thread thread;
    private volatile boolean closed;
    private volatile String reason = "not checked yet";
    private volatile long lastGoodNanos = System.nanoTime() - Long.MAX_VALUE / 4;
    private volatile Runnable whileWritable = () -> {};
    private final java.util.concurrent.CountDownLatch firstCheck = new java.util.concurrent.CountDownLatch(1);

    private WriteAvailability(
            KafkaSettings settings, List<String> topics, String transactionalId, Duration interval, Duration timeout) {
        this.topics = List.copyOf(topics);
        this.transactionalId = transactionalId;
        this.interval = Objects.requireNonNull(interval, "interval");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.staleNanos = 3 * (interval.toNanos() + timeout.toNanos());
        Properties p = settings.admin();
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, settings.uniqueClientId("write-check"));
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        this.admin = Admin.create(p);
        this.thread = NamedThreads.thread("kafka-write-check", this::run);
    }

    /**
     * Starts checking {@code topics} (and, if {@code transactionalId} is not null, its transaction coordinator's
     * partition) every {@code interval}; each check is bounded by {@code timeout}.
     */
    public static WriteAvailability start(
            KafkaSettings settings, List<String> topics, String transactionalId, Duration interval, Duration timeout) {
        WriteAvailability w = new WriteAvailability(settings, topics, transactionalId, interval, timeout);
        w.thread.start();
        return w;
    }

    /** Waits (bounded) until the first check has finished; true if it did. */
    public boolean awaitFirstCheck(Duration wait) throws InterruptedException {
        return firstCheck.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code r} on the checking thread after every check that found the cluster writable (it must not block). */
    public void whileWritable(Runnable r) {
        this.whileWritable = Objects.requireNonNull(r, "r");
    }

    /** Empty when the last check (recent enough) found the cluster writable; else why not. Never blocks. */
    public Optional<String> refusal() {
        String r = reason;
        if (r != null) return Optional.of(r);
        long age = System.nanoTime() - lastGoodNanos;
        if (age > staleNanos)
            return Optional.of("no answer from the Kafka cluster for " + TimeUnit.NANOSECONDS.toMillis(age) + " ms");
        return Optional.empty();
    }

    private void run() {
        while (!closed) {
            long t0 = System.nanoTime();
            String r;
            try {
                r = check().orElse(null);
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | java.util.concurrent.TimeoutException | RuntimeException e) {
                Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                r = "Kafka cluster unreachable (" + c.getClass().getSimpleName() + ": " + c.getMessage() + ")";
            }
            if (closed) return;
            if (r == null) lastGoodNanos = System.nanoTime();
            String before = reason;
            reason = r;
            firstCheck.countDown();
            if (!Objects.equals(before, r)) {
                if (r == null) LOG.info("Kafka cluster takes writes again");
                else LOG.warn("Kafka cluster cannot take writes: {}", r);
            }
            if (r == null) {
                try {
                    whileWritable.run();
                } catch (RuntimeException e) {
                    LOG.warn("whileWritable: {}", e.toString());
                }
            }
            long sleep = interval.toMillis() - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private Optional<String> check()
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        long ms = timeout.toMillis();
        Map<String, TopicDescription> desc =
                admin.describeTopics(topics).allTopicNames().get(ms, TimeUnit.MILLISECONDS);
        List<String> names = new ArrayList<>(topics);
        TopicDescription txState = null;
        if (transactionalId != null) {
            try {
                txState = admin.describeTopics(List.of(TX_STATE))
                        .allTopicNames()
                        .get(ms, TimeUnit.MILLISECONDS)
                        .get(TX_STATE);
                names.add(TX_STATE);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) throw e;
                // no transactional producer has run yet: its coordinator topic is created on first use
            }
        }
        Map<String, Integer> minIsr = minIsr(names, ms);
        Map<Integer, Boolean> reachable = new HashMap<>();
        for (String t : topics) {
            Optional<String> bad = partitionsOk(t, desc.get(t).partitions(), minIsr.getOrDefault(t, 1), reachable);
            if (bad.isPresent()) return bad;
        }
        if (txState != null) {
            List<TopicPartitionInfo> parts = txState.partitions();
            int p = Utils.abs(transactionalId.hashCode()) % parts.size();
            Optional<String> bad = partitionsOk(
                    TX_STATE + " (transaction coordinator of " + transactionalId + ")",
                    List.of(parts.get(p)),
                    minIsr.getOrDefault(TX_STATE, 1),
                    reachable);
            if (bad.isPresent()) return bad;
        }
        return Optional.empty();
    }

    private Map<String, Integer> minIsr(List<String> names, long ms)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        List<ConfigResource> res = new ArrayList<>();
        for (String n : names) res.add(new ConfigResource(ConfigResource.Type.TOPIC, n));
        Map<ConfigResource, Config> cfg = admin.describeConfigs(res).all().get(ms, TimeUnit.MILLISECONDS);
        Map<String, Integer> out = new HashMap<>();
        cfg.forEach((r, c) -> {
            var e = c.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            if (e != null && e.value() != null) out.put(r.name(), Integer.parseInt(e.value()));
        });
        return out;
    }

    /**
     * Leader present and reachable, and at least {@code minIsr} in-sync replicas that accept a TCP connection.
     * The metadata alone is not enough: with the controller quorum lost (2 of 3 nodes down) nobody fences the dead
     * brokers, and the metadata keeps naming them as leaders and in-sync replicas.
     */
    private Optional<String> partitionsOk(
            String topic, List<TopicPartitionInfo> parts, int minIsr, Map<Integer, Boolean> reachable) {
        for (TopicPartitionInfo p : parts) {
            String name = "partition " + topic + "-" + p.partition();
            if (p.leader() == null || p.leader().isEmpty()) return Optional.of(name + " has no leader");
            if (!reachable(p.leader(), reachable))
                return Optional.of(name + ": its leader, broker " + p.leader().id() + ", is unreachable");
            int inSync = 0;
            for (org.apache.kafka.common.Node n : p.isr()) if (reachable(n, reachable)) inSync++;
            if (inSync < minIsr)
                return Optional.of(
                        name + " is under min.insync.replicas (" + inSync + " reachable in sync < " + minIsr + ")");
        }
        return Optional.empty();
    }

    private boolean reachable(org.apache.kafka.common.Node n, Map<Integer, Boolean> cache) {
        return cache.computeIfAbsent(n.id(), id -> {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(n.host(), n.port()), (int)
                        Math.max(100, Math.min(1000, timeout.toMillis() / 3)));
                return true;
            } catch (java.io.IOException e) {
                return false;
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(2));
    }
}
