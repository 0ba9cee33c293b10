package io.videolb.agent.observed;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.List;
import java.util.Optional;

/**
 * What {@code /proc/net/ip_vs_conn} says about one client.
 *
 * @param templates           persistence templates that pin the client (its own or its network's, with -M)
 * @param connections         the client's connection entries, at most the limit asked for
 * @param connectionsOmitted  the client's connection entries beyond that limit (counted, not kept)
 * @param lines               lines read (header included)
 * @param malformed           lines skipped because they do not have the kernel's format
 * @param firstMalformed      why the first of them was skipped (our words, never the line itself)
 * @param ipv6Skipped         IPv6 entries skipped
 * @param truncated           empty when the whole file was read, else why reading stopped early
 */
public record PersistenceReport(
        Ipv4Address client,
        List<PersistenceTemplate> templates,
        List<ClientConnection> connections,
        long connectionsOmitted,
        long lines,
        long malformed,
        Optional<String> firstMalformed,
        long ipv6Skipped,
        Optional<String> truncated) {
    public PersistenceReport {
        templates = List.copyOf(templates);
        connections = List.copyOf(connections);
    }

    /**
     * A connection of the client; {@code fwmark} is the mark of the client's template for the same
     * server when exactly one template names that server (the connection entry itself has no mark).
     */
    public record ClientConnection(IpvsConnection entry, Optional<Fwmark> fwmark) {}
}
