package io.videolb.agent.observed;

/**
 * What one line of {@code /proc/net/ip_vs_conn} is: a {@link PersistenceTemplate} of a fwmark
 * service, an {@link IpvsConnection}, or one of the kinds that are skipped.
 */
public sealed interface IpvsConnLine
        permits PersistenceTemplate,
                IpvsConnection,
                IpvsConnLine.Header,
                IpvsConnLine.Ipv6,
                IpvsConnLine.PortTemplate,
                IpvsConnLine.Malformed {

    /** The title line ({@code Pro FromIP FPrt ...}). */
    record Header() implements IpvsConnLine {}

    /** An IPv6 entry (or an IPv4 service with an IPv6 real server): skipped, videolb is IPv4 only. */
    record Ipv6() implements IpvsConnLine {}

    /** A persistence template of a VIP:port service (protocol TCP/UDP/SCTP, client port 0): not a fwmark service, skipped. */
    record PortTemplate() implements IpvsConnLine {}

    /** A line that does not have the kernel's format; {@code why} names the first field that is wrong (never echoes the line). */
    record Malformed(String why) implements IpvsConnLine {}
}
