package io.videolb.agent.desired;

import io.videolb.model.Ipv4Address;
import java.util.Map;

/**
 * The health verdicts the agent acts on. A server without a verdict counts as up. {@code streams}: what the stream
 * inventory says of each server that has one (empty: inventory off), for failover gating ({@link StreamGate}).
 */
public record HealthView(
        Map<Ipv4Address, ServerHealth> servers, boolean checkerDegraded, Map<Ipv4Address, ServerStreamFacts> streams) {
    public static final HealthView ALL_UP = new HealthView(Map.of(), false);

    public HealthView {
        servers = Map.copyOf(servers);
        streams = streams == null ? Map.of() : Map.copyOf(streams);
    }

    /** Without stream inventory (inventory off). */
    public HealthView(Map<Ipv4Address, ServerHealth> servers, boolean checkerDegraded) {
        this(servers, checkerDegraded, Map.of());
    }

    public boolean down(Ipv4Address a) {
        ServerHealth h = servers.get(a);
        return h != null && !h.up();
    }

    /** Up again, but for less than the hold-down: failback must wait. */
    public boolean recovering(Ipv4Address a, long nowMs, long holdDownMs) {
        ServerHealth h = servers.get(a);
        return h != null && h.up() && h.sinceMs() > 0 && nowMs - h.sinceMs() < holdDownMs;
    }
}
