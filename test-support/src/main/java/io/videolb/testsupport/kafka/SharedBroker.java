package io.videolb.testsupport.kafka;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.TopicAdmin;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import io.videolb.threads.NamedThreads;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONE real embedded Kafka broker per test JVM, started on first use and stopped by a JVM shutdown
 * hook. Tests isolate themselves with a unique topic prefix ({@link #freshTopics(String)}) instead
 * of a broker each (a cold broker start costs seconds here; a topic set costs ~0.5 s).
 *
 * <p>The broker also has the VM listener: bound on 127.0.0.1:{@link #vmListenerPort()} and
 * advertised as {@value #VM_ADVERTISED_HOST}:{@value #VM_ADVERTISED_PORT}, for a qemu guest that
 * reaches it through {@code guestfwd=tcp:10.0.2.100:9093-cmd:socat ... TCP:127.0.0.1:PORT}. Never
 * point a host-side Kafka client at that port (its metadata names the guest-side address).
 *
 * <p>Data dir: a temp directory deleted at shutdown, or {@code -Dvideolb.test.kafka.dir=DIR}
 * (kept, reused by the next run).
 */
public final class SharedBroker {
    public static final String VM_ADVERTISED_HOST = "10.0.2.100";
    public static final int VM_ADVERTISED_PORT = 9093;

    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String RUN = Long.toString(ProcessHandle.current().pid(), 36);
    private static volatile EmbeddedKafkaBroker broker;

    private SharedBroker() {}

    /** The broker, started on first call (thread-safe). */
    public static EmbeddedKafkaBroker broker() {
        EmbeddedKafkaBroker b = broker;
        if (b == null) {
            synchronized (SharedBroker.class) {
                b = broker;
                if (b == null) {
                    b = start();
                    broker = b;
                }
            }
        }
        return b;
    }

    public static String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** Port on 127.0.0.1 of the listener advertised as 10.0.2.100:9093 (for the IPVS VM). */
    public static int vmListenerPort() {
        return broker().externalPort().orElseThrow();
    }

    /** Client settings for this broker; the client id gets a unique suffix. */
    public static KafkaSettings settings(String clientId) {
        return KafkaSettings.of(bootstrapServers(), clientId + "-" + SEQ.incrementAndGet());
    }

    /**
     * A {@link Topics} with a prefix no other test in this JVM (or another run on the same data
     * dir) uses, e.g. {@code it-health-7-k3x9a}. Topics are NOT created; see {@link #freshTopics}.
     */
    public static Topics uniqueTopics(String hint) {
        String h = hint == null ? "t" : hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
        if (h.length() > 40) {
            h = h.substring(0, 40);
        }
        if (h.isEmpty() || h.startsWith("-")) {
            h = "t" + h;
        }
        return new Topics(
                "it-" + h + "-" + SEQ.incrementAndGet() + "-" + RUN + Long.toString(System.nanoTime() % 1_000_000, 36));
    }

    /** {@link #uniqueTopics(String)} with every topic created ({@link TopicAdmin#ensure}). */
    public static Topics freshTopics(String hint) {
        Topics topics = uniqueTopics(hint);
        TopicAdmin.ensure(bootstrapServers(), topics, io.videolb.kafka.TopicReplication.SINGLE);
        return topics;
    }

    private static EmbeddedKafkaBroker start() {
        EmbeddedKafkaBroker.Builder builder =
                EmbeddedKafkaBroker.builder().externalListener(0, VM_ADVERTISED_HOST, VM_ADVERTISED_PORT);
        String dir = System.getProperty("videolb.test.kafka.dir");
        if (dir != null && !dir.isBlank()) {
            builder.dataDir(Path.of(dir));
        }
        EmbeddedKafkaBroker b = builder.start();
        Runtime.getRuntime().addShutdownHook(NamedThreads.thread("shared-broker-stop", b::close));
        return b;
    }
}
