package io.videolb.agent.observed;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.Objects;

/**
 * One IPVS persistence template of a fwmark service, as {@code /proc/net/ip_vs_conn} shows it:
 * protocol {@code IP}, FromIP = the client (or, with a persistence netmask, the client's network),
 * ToIP = the fwmark, DestIP = the real server the client is pinned to.
 *
 * @param from   the client address as the template holds it (the network address when -M is used)
 * @param state  the template's state word ({@code NONE} or {@code ASSURED} on kernel 6.1)
 */
public record PersistenceTemplate(
        Ipv4Address from, Fwmark fwmark, Ipv4Address server, String state, long expiresSeconds)
        implements IpvsConnLine {
    public PersistenceTemplate {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(fwmark, "fwmark");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(state, "state");
        if (expiresSeconds < 0) throw new IllegalArgumentException("expiresSeconds must be >= 0");
    }

    /**
     * Whether this template pins {@code client}, given the service's persistence netmask (bits, as
     * {@code /proc/net/ip_vs} prints it; -1 = 255.255.255.255, no -M): the kernel stores
     * {@code client & netmask} as the template's FromIP.
     */
    public boolean holds(Ipv4Address client, int netmask) {
        return (client.bits() & netmask) == from.bits();
    }
}
