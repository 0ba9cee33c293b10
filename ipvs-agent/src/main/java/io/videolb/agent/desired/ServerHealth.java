package io.videolb.agent.desired;

/** The effective health of one server: up or down, and since when (0 = as long as we know). */
public record ServerHealth(boolean up, long sinceMs) {}
