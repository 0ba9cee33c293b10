package io.videolb.model;

import java.util.List;
import java.util.Objects;

/**
 * One IPVS fwmark virtual service: the mark, its scheduler and its real servers (in DR mode).
 * One mark covers both RTMP and HLS ports so that persistence keeps a viewer's RTMP and HLS on
 * the same server.
 */
public record Pool(Fwmark mark, Scheduler scheduler, List<RealServer> servers) {
    public Pool {
        Objects.requireNonNull(mark, "mark");
        Objects.requireNonNull(scheduler, "scheduler");
        servers = List.copyOf(servers);
    }

    public boolean hasServer(Ipv4Address a) {
        return servers.stream().anyMatch(s -> s.address().equals(a));
    }
}
