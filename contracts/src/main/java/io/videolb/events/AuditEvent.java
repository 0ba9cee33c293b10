package io.videolb.events;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One accepted change of the desired state: who, when, what, and the entity records before and
 * after (key -> JSON, null where absent). Published to the audit topic.
 */
public record AuditEvent(
        String actor, long atMs, String action, String summary, long generation, JsonNode before, JsonNode after) {}
