package io.videolb.agent.observed;

import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * One IPVS connection entry (not a template) of {@code /proc/net/ip_vs_conn}. The kernel does not
 * record the fwmark of a connection: {@code virtualAddress:virtualPort} is where the packet was
 * going (the VIP), the mark is only known through the client's template for the same server.
 */
public record IpvsConnection(
        String protocol,
        Ipv4Address client,
        int clientPort,
        Ipv4Address virtualAddress,
        int virtualPort,
        Ipv4Address server,
        int serverPort,
        String state,
        long expiresSeconds)
        implements IpvsConnLine {
    public IpvsConnection {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(virtualAddress, "virtualAddress");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(state, "state");
        if (expiresSeconds < 0) throw new IllegalArgumentException("expiresSeconds must be >= 0");
    }
}
