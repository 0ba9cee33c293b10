package io.videolb.config.cluster;

import io.videolb.events.AgentStatus;
import io.videolb.events.AuditEvent;
import io.videolb.events.CheckerStatus;
import io.videolb.events.HealthVerdict;
import java.util.List;
import java.util.Map;

/** What the API shows besides the desired state: health verdicts, checkers, agent status and the audit trail. */
public interface ClusterView {
    /** Latest verdict per server address (text form). */
    Map<String, HealthVerdict> health();

    Map<String, CheckerStatus> checkers();

    /** Latest status per director id. */
    Map<String, AgentStatus> agents();

    /** The newest audit events first, at most {@code limit}. */
    List<AuditEvent> recentAudit(int limit);

    /** Latest stream inventory per server address (text form), from the health topic's {@code inventory/IP} records. */
    default Map<String, io.videolb.events.ServerStreams> inventories() {
        return Map.of();
    }

    /** alert-service's outbox as read from the alert-state topic (none known: {@link AlertOutbox#NONE}). */
    default AlertOutbox alertOutbox() {
        return AlertOutbox.NONE;
    }
}
