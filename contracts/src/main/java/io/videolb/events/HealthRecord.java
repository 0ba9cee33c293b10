package io.videolb.events;

import io.videolb.json.Json;
import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * What one record of the compacted health topic holds, decoded once from its key and value by
 * {@link #decode}: a server's verdict (key: the server's address), a checker's report about
 * itself (key: {@code checker/ID}), a server's stream inventory (key: {@code inventory/IP}), or the
 * tombstone of any (null value). A record that is
 * none of these (no key, a key of neither form, malformed or oversized JSON, a verdict for
 * another server than its key, a checker report under another checker's key) decodes to
 * {@link Unreadable}: a value, never an exception, so a reader reports and counts it and goes on.
 * {@link HealthTopicView} folds these records; {@link #key()} and {@link #value()} encode them.
 */
public sealed interface HealthRecord {
    /** Longest value read (characters); a verdict is a few hundred. Anything longer is not decoded at all. */
    int MAX_VALUE_CHARS = 65_536;
    /** Longest key read (characters); a checker id is a host name or similar. */
    int MAX_KEY_CHARS = 255;

    /** The record's key on the topic (as it was, for {@link Unreadable}; may then be null). */
    String key();

    /** The record's value on the topic: JSON, or null for a tombstone (and for {@link Unreadable}, which is never written). */
    String value();

    /** A server's latest verdict; the key is the server's address. */
    record ServerVerdict(HealthVerdict verdict) implements HealthRecord {
        public ServerVerdict {
            Objects.requireNonNull(verdict, "verdict");
        }

        @Override
        public String key() {
            return verdict.server().toString();
        }

        @Override
        public String value() {
            return Json.write(verdict);
        }
    }

    /** A checker's report about itself (degraded or not); the key is {@code checker/ID}. */
    record CheckerReport(CheckerStatus status) implements HealthRecord {
        public CheckerReport {
            Objects.requireNonNull(status, "status");
            if (!validCheckerId(status.checkerId()))
                throw new IllegalArgumentException("checker id '" + status.checkerId() + "' is not usable in a key");
        }

        @Override
        public String key() {
            return status.key();
        }

        @Override
        public String value() {
            return Json.write(status);
        }
    }

    /** The server's verdict is deleted (the server left the cluster): readers forget it; it counts as never seen. */
    record VerdictTombstone(Ipv4Address server) implements HealthRecord {
        public VerdictTombstone {
            Objects.requireNonNull(server, "server");
        }

        @Override
        public String key() {
            return server.toString();
        }

        @Override
        public String value() {
            return null;
        }
    }

    /** The checker's report is deleted (the checker is gone): readers forget it, so it no longer counts as degraded. */
    record CheckerTombstone(String checkerId) implements HealthRecord {
        public CheckerTombstone {
            if (!validCheckerId(checkerId))
                throw new IllegalArgumentException("checker id '" + checkerId + "' is not usable in a key");
        }

        @Override
        public String key() {
            return CheckerStatus.KEY_PREFIX + checkerId;
        }

        @Override
        public String value() {
            return null;
        }
    }

    /** A server's stream inventory; the key is {@code inventory/IP}. */
    record ServerInventory(ServerStreams streams) implements HealthRecord {
        public ServerInventory {
            Objects.requireNonNull(streams, "streams");
        }

        @Override
        public String key() {
            return streams.key();
        }

        @Override
        public String value() {
            return Json.write(streams);
        }
    }

    /** The server's inventory is deleted (the server left the cluster): readers forget it. */
    record InventoryTombstone(Ipv4Address server) implements HealthRecord {
        public InventoryTombstone {
            Objects.requireNonNull(server, "server");
        }

        @Override
        public String key() {
            return ServerStreams.KEY_PREFIX + server;
        }

        @Override
        public String value() {
            return null;
        }
    }

    /** A record that could not be decoded, and why; readers skip it (after reporting and counting it). */
    record Unreadable(String key, String problem) implements HealthRecord {
        public Unreadable {
            Objects.requireNonNull(problem, "problem");
        }

        @Override
        public String value() {
            return null;
        }
    }

    /** Decodes one record of the health topic ({@code value} null: a tombstone). Never throws. */
    static HealthRecord decode(String key, String value) {
        if (key == null) return new Unreadable(null, "record without a key");
        if (key.length() > MAX_KEY_CHARS)
            return new Unreadable(key.substring(0, 64) + "...", "key longer than " + MAX_KEY_CHARS + " characters");
        if (value != null && value.length() > MAX_VALUE_CHARS) {
            return new Unreadable(key, "value of " + value.length() + " characters, more than " + MAX_VALUE_CHARS);
        }
        if (key.startsWith(CheckerStatus.KEY_PREFIX)) {
            String id = key.substring(CheckerStatus.KEY_PREFIX.length());
            if (!validCheckerId(id))
                return new Unreadable(key, "a checker key needs an id after '" + CheckerStatus.KEY_PREFIX + "'");
            if (value == null) return new CheckerTombstone(id);
            CheckerStatus s;
            try {
                s = Json.read(value, CheckerStatus.class);
            } catch (RuntimeException e) {
                return new Unreadable(key, "not a checker status: " + e.getMessage());
            }
            if (s == null) return new Unreadable(key, "not a checker status: JSON null");
            if (!id.equals(s.checkerId()))
                return new Unreadable(key, "status of checker '" + s.checkerId() + "' under the key of '" + id + "'");
            return new CheckerReport(s);
        }
        if (key.startsWith(ServerStreams.KEY_PREFIX)) {
            Ipv4Address server;
            try {
                server = Ipv4Address.parse(key.substring(ServerStreams.KEY_PREFIX.length()));
            } catch (RuntimeException e) {
                return new Unreadable(
                        key, "an inventory key needs a server address after '" + ServerStreams.KEY_PREFIX + "'");
            }
            if (value == null) return new InventoryTombstone(server);
            ServerStreams s;
            try {
                s = Json.read(value, ServerStreams.class);
            } catch (RuntimeException e) {
                return new Unreadable(key, "not a stream inventory: " + e.getMessage());
            }
            if (s == null) return new Unreadable(key, "not a stream inventory: JSON null");
            if (!s.server().equals(server))
                return new Unreadable(key, "inventory of " + s.server() + " under the key of " + server);
            return new ServerInventory(s);
        }
        Ipv4Address server;
        try {
            server = Ipv4Address.parse(key);
        } catch (RuntimeException e) {
            return new Unreadable(
                    key,
                    "key is neither a server address nor " + CheckerStatus.KEY_PREFIX + "ID nor "
                            + ServerStreams.KEY_PREFIX + "IP: " + e.getMessage());
        }
        if (value == null) return new VerdictTombstone(server);
        HealthVerdict v;
        try {
            v = Json.read(value, HealthVerdict.class);
        } catch (RuntimeException e) {
            return new Unreadable(key, "not a verdict: " + e.getMessage());
        }
        if (v == null) return new Unreadable(key, "not a verdict: JSON null");
        if (!v.server().equals(server))
            return new Unreadable(key, "verdict for " + v.server() + " under the key of " + server);
        return new ServerVerdict(v);
    }

    private static boolean validCheckerId(String id) {
        return id != null && !id.isEmpty() && id.length() <= MAX_KEY_CHARS - CheckerStatus.KEY_PREFIX.length();
    }
}
