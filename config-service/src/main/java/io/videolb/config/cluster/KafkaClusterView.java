package io.videolb.config.cluster;

import io.videolb.events.AgentStatus;
import io.videolb.events.AuditEvent;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.HealthTopicView;
import io.videolb.events.HealthVerdict;
import io.videolb.events.Topics;
import io.videolb.json.Json;
import io.videolb.kafka.AgentStatusTopics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ClusterView} folded from Kafka with kafka-support's {@link StateTopicReader}: the health
 * and agent-status topics (compacted, read from offset 0, then followed) and the audit stream
 * (the last {@value #AUDIT_KEEP} events kept in memory). A malformed record is logged and skipped,
 * never allowed to stop the reader. The health topic is folded by contracts' {@link HealthTopicView}
 * (latest per key by sequence, tombstones of both kinds remove), as every reader of it does.
 */
public final class KafkaClusterView implements ClusterView, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClusterView.class);
    static final int AUDIT_KEEP = 1000;

    private final Topics topics;
    private final Object healthLock = new Object();
    private HealthTopicView health = new HealthTopicView(); // guarded by healthLock
    private final Map<String, AgentStatus> agents = new ConcurrentHashMap<>();
    /** alert-service's outbox: key outbox/SEQ -> the SMTP reply when dead-lettered, else null (pending). */
    private final java.util.TreeMap<Long, String> outbox = new java.util.TreeMap<>(); // guarded by itself

    private final Deque<AuditEvent> audit = new ArrayDeque<>();
    private final StateTopicReader stateReader;
    private final StateTopicReader auditReader;

    private KafkaClusterView(Topics topics) {
        this.topics = topics;
        this.stateReader = null;
        this.auditReader = null;
    }

    private KafkaClusterView(KafkaSettings settings, Topics topics, Duration topicWait) {
        this.topics = topics;
        // every director's own agent-status topic too, one added later included (decision 113)
        this.stateReader = AgentStatusTopics.read(
                settings.withClientId(settings.clientId() + "-api-state"),
                topics,
                List.of(topics.health(), topics.agentStatus(), topics.alertState()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {
                        onState(r);
                    }

                    @Override
                    public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                        dropState(); // all three are read again from offset 0
                    }
                },
                topicWait);
        this.auditReader = StateTopicReader.start(
                settings.withClientId(settings.clientId() + "-api-audit"),
                List.of(topics.audit()),
                new StateTopicReader.Listener() {
                    @Override
                    public void onRecord(StateTopicReader.StateRecord r) {
                        onAudit(r);
                    }

                    @Override
                    public void onTopicRecreated(String topic, String oldTopicId, String newTopicId) {
                        synchronized (audit) {
                            audit.clear();
                        }
                    }
                },
                topicWait);
    }

    /** Starts both readers; they wait up to {@code topicWait} for missing topics. */
    public static KafkaClusterView start(KafkaSettings settings, Topics topics, Duration topicWait) {
        return new KafkaClusterView(settings, topics, topicWait);
    }

    /** A view with no readers, fed only through {@link #applyHealth} (the same fold without Kafka: tests). */
    public static KafkaClusterView unconnected(Topics topics) {
        return new KafkaClusterView(topics);
    }

    /** Waits until both readers have read to the end captured at their start. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!stateReader.awaitCaughtUp(timeout)) return false;
        return auditReader.awaitCaughtUp(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** A topic of the state reader was recreated: what was read from the old ones is dropped (read again from 0). */
    private void dropState() {
        synchronized (healthLock) {
            health = new HealthTopicView();
        }
        agents.clear();
        synchronized (outbox) {
            outbox.clear();
        }
    }

    private void onState(StateTopicReader.StateRecord r) {
        try {
            if (r.key() == null) return;
            if (r.topic().equals(topics.health())) {
                HealthRecord.Unreadable u = applyHealth(r.key(), r.value()).unreadable();
                if (u != null)
                    LOG.warn(
                            "skipping unreadable record {}:{}@{} ({})",
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            u.problem());
            } else if (topics.isAgentStatus(r.topic())) {
                if (r.isTombstone()) agents.remove(r.key());
                else agents.put(r.key(), Json.read(r.value(), AgentStatus.class));
            } else if (r.topic().equals(topics.alertState()) && r.key().startsWith("outbox/")) {
                applyOutbox(r.key(), r.value());
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable record {}:{}@{} ({})", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    /**
     * One record of the health topic (value null: a tombstone), decoded once and folded by contracts'
     * {@link HealthTopicView}, as every reader of the topic does; the state reader calls this for each.
     */
    public HealthTopicView.Applied applyHealth(String key, String value) {
        synchronized (healthLock) {
            return health.apply(key, value);
        }
    }

    /** Health records skipped as undecodable. */
    public long unreadableHealthRecords() {
        synchronized (healthLock) {
            return health.unreadableCount();
        }
    }

    private void onAudit(StateTopicReader.StateRecord r) {
        if (r.isTombstone()) return;
        try {
            AuditEvent e = Json.read(r.value(), AuditEvent.class);
            synchronized (audit) {
                audit.addFirst(e);
                while (audit.size() > AUDIT_KEEP) audit.removeLast();
            }
        } catch (RuntimeException e) {
            LOG.warn("skipping unreadable audit record at offset {} ({})", r.offset(), e.getMessage());
        }
    }

    /**
     * One {@code outbox/SEQ} record of alert-service's state (null: a tombstone, the mail was sent): only whether it is
     * dead-lettered and the reply are kept, never the mail itself.
     */
    void applyOutbox(String key, String value) {
        long seq;
        try {
            seq = Long.parseLong(key.substring("outbox/".length()));
        } catch (NumberFormatException e) {
            return;
        }
        synchronized (outbox) {
            if (value == null) {
                outbox.remove(seq);
                return;
            }
            com.fasterxml.jackson.databind.JsonNode n;
            try {
                n = Json.MAPPER.readTree(value);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException("outbox record not JSON");
            }
            outbox.put(
                    seq,
                    n.path("deadLetter").asBoolean(false) ? n.path("lastError").asText("") : null);
        }
    }

    @Override
    public AlertOutbox alertOutbox() {
        synchronized (outbox) {
            int dead = 0;
            String last = "";
            for (String reply : outbox.values()) {
                if (reply == null) continue;
                dead++;
                last = reply;
            }
            String safe = last.replaceAll("\\p{Cntrl}", "?");
            return new AlertOutbox(
                    outbox.size() - dead, dead, safe.length() > 300 ? safe.substring(0, 300) + "..." : safe);
        }
    }

    /** A copy in address order, keyed by the address text. */
    @Override
    public Map<String, HealthVerdict> health() {
        Map<String, HealthVerdict> out = new LinkedHashMap<>();
        synchronized (healthLock) {
            health.verdicts().forEach((a, v) -> out.put(a.toString(), v));
        }
        return Collections.unmodifiableMap(out);
    }

    /** A copy in address order, keyed by the address text. */
    @Override
    public Map<String, io.videolb.events.ServerStreams> inventories() {
        Map<String, io.videolb.events.ServerStreams> out = new LinkedHashMap<>();
        synchronized (healthLock) {
            health.inventories().forEach((a, v) -> out.put(a.toString(), v));
        }
        return Collections.unmodifiableMap(out);
    }

    /** A copy in checker id order. */
    @Override
    public Map<String, CheckerStatus> checkers() {
        synchronized (healthLock) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(health.checkers()));
        }
    }

    @Override
    public Map<String, AgentStatus> agents() {
        return Collections.unmodifiableMap(agents);
    }

    @Override
    public List<AuditEvent> recentAudit(int limit) {
        List<AuditEvent> out = new ArrayList<>();
        synchronized (audit) {
            Iterator<AuditEvent> it = audit.iterator();
            while (it.hasNext() && out.size() < limit) out.add(it.next());
        }
        return out;
    }

    @Override
    public void close() {
        if (stateReader != null) stateReader.close();
        if (auditReader != null) auditReader.close();
    }
}
