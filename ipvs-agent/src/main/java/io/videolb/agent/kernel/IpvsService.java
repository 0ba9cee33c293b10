package io.videolb.agent.kernel;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Scheduler;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One IPVS fwmark virtual service as the kernel holds it: DR forwarding to every real server.
 * {@code scheduler} is null when the kernel reports a scheduler videolb does not know, and
 * {@code extraFlags} is true when it carries options videolb never sets (both force an edit).
 */
public record IpvsService(
        Fwmark mark,
        Scheduler scheduler,
        int persistenceSeconds,
        boolean extraFlags,
        SortedMap<Ipv4Address, RealServerState> servers) {
    public IpvsService {
        Objects.requireNonNull(mark, "mark");
        servers = Collections.unmodifiableSortedMap(new TreeMap<>(servers));
    }

    /** A real server: its weight, whether it is forwarded by DR ("Route"), and its connection counters (0 when unknown). */
    public record RealServerState(int weight, boolean directRouting, int activeConns, int inactiveConns) {
        public static RealServerState dr(int weight) {
            return new RealServerState(weight, true, 0, 0);
        }

        public int connections() {
            return activeConns + inactiveConns;
        }
    }

    /** Same service settings (scheduler, persistence, no foreign flags), ignoring the servers. */
    public boolean sameSettings(IpvsService o) {
        return scheduler == o.scheduler && persistenceSeconds == o.persistenceSeconds && !extraFlags && !o.extraFlags;
    }

    public IpvsService withServers(SortedMap<Ipv4Address, RealServerState> s) {
        return new IpvsService(mark, scheduler, persistenceSeconds, extraFlags, s);
    }
}
