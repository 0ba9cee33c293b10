package io.videolb.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * One Kafka {@link Admin} client per identity in this process, shared by everything that only asks the cluster
 * (topic creation at start, the state readers' topic-id checks, a topic's retention): every Admin client costs
 * two connections, and with SCRAM each connection costs a salted-password computation (thousands of HMAC-SHA-512
 * rounds, tens of milliseconds of CPU per connection on a slow core). Clients whose properties are equal apart from
 * {@code client.id} (same bootstrap servers, same principal, same timeouts) share one; it is closed when the last
 * lease is closed. {@link Admin} is thread-safe; a lease must not close the Admin itself.
 */
public final class SharedAdmin {
    private static final Map<Map<String, String>, Entry> SHARED = new HashMap<>();

    private SharedAdmin() {}

    /** A lease on the process's Admin client with {@code properties} (without their client.id); close it once. */
    public static Lease acquire(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Map<String, String> key = new TreeMap<>();
        properties.forEach((k, v) -> key.put(String.valueOf(k), String.valueOf(v)));
        key.remove(AdminClientConfig.CLIENT_ID_CONFIG);
        synchronized (SHARED) {
            Entry e = SHARED.get(key);
            if (e == null) {
                e = new Entry(key, Admin.create(properties));
                SHARED.put(key, e);
            }
            e.leases++;
            return new Lease(e);
        }
    }

    /** How many distinct Admin clients are open (for tests). */
    static int open() {
        synchronized (SHARED) {
            return SHARED.size();
        }
    }

    private static final class Entry {
        final Map<String, String> key;
        final Admin admin;
        int leases;

        Entry(Map<String, String> key, Admin admin) {
            this.key = key;
            this.admin = admin;
        }
    }

    /** One user's hold on a shared Admin client. */
    public static final class Lease implements AutoCloseable {
        private final Entry entry;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public Admin admin() {
            if (closed.get()) throw new IllegalStateException("lease closed");
            return entry.admin;
        }

        /** Releases the lease; the last one closes the Admin client (waiting at most {@code timeout}). */
        public void close(Duration timeout) {
            if (!closed.compareAndSet(false, true)) return;
            boolean last;
            synchronized (SHARED) {
                last = --entry.leases == 0;
                if (last) SHARED.remove(entry.key);
            }
            if (last) entry.admin.close(timeout);
        }

        @Override
        public void close() {
            close(Duration.ofSeconds(5));
        }
    }
}
