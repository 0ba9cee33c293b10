package io.videolb.agent.observed;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The kernel's own traffic counters of the IPv4 fwmark services, as one scrape read them: per real server the
 * connection counts and weight of {@code /proc/net/ip_vs}, the totals of {@code ipvsadm -Ln --stats --exact} and the
 * rate estimates of {@code ipvsadm -Ln --rate --exact}; per service the same totals and rates; and the whole
 * kernel's totals of {@code /proc/net/ip_vs_stats} (null when that file could not be read). Parsed by
 * {@link IpvsTrafficParser}.
 */
public record IpvsTraffic(
        SortedMap<Fwmark, Counters> serviceStats,
        SortedMap<Fwmark, Counters> serviceRates,
        SortedMap<BackendKey, Backend> backends,
        Counters kernelTotals) {
    public IpvsTraffic {
        serviceStats = Collections.unmodifiableSortedMap(new TreeMap<>(serviceStats));
        serviceRates = Collections.unmodifiableSortedMap(new TreeMap<>(serviceRates));
        backends = Collections.unmodifiableSortedMap(new TreeMap<>(backends));
    }

    /** One real server of one fwmark service (videolb's are always port 0: DR to the same port). */
    public record BackendKey(Fwmark mark, Ipv4Address server, int port) implements Comparable<BackendKey> {
        public BackendKey {
            Objects.requireNonNull(mark, "mark");
            Objects.requireNonNull(server, "server");
        }

        @Override
        public int compareTo(BackendKey o) {
            int c = mark.compareTo(o.mark);
            if (c == 0) c = server.compareTo(o.server);
            return c != 0 ? c : Integer.compare(port, o.port);
        }
    }

    /**
     * A real server as the kernel counts it.
     *
     * @param stats totals since the server was added to the service (null: ipvsadm did not list it in this read)
     * @param rates the kernel's rate estimates, per second over its ~2 s estimator (null: not listed)
     */
    public record Backend(long weight, long activeConns, long inactiveConns, Counters stats, Counters rates) {}

    /**
     * Five numbers as the kernel keeps them: for totals connections, packets and bytes in and out; for rates the same
     * per second. In LVS/DR the director sees only the viewers' half of each connection: out is 0.
     */
    public record Counters(long conns, long inPackets, long outPackets, long inBytes, long outBytes) {}

    public static final IpvsTraffic EMPTY = new IpvsTraffic(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), null);
}
