package io.videolb.config.http;

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

    /** A view with nothing in it (no Kafka, for unit tests of the router). */
    static ClusterView empty() {
        return new ClusterView() {
            @Override public Map<String, HealthVerdict> health() { return Map.of(); }
            @Override public Map<String, CheckerStatus> checkers() { return Map.of(); }
            @Override public Map<String, AgentStatus> agents() { return Map.of(); }
            @Override public List<AuditEvent> recentAudit(int limit) { return List.of(); }
        };
    }
}
