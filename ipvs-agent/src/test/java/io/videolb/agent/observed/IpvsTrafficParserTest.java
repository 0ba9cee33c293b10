package io.videolb.agent.observed;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.observed.IpvsTraffic.BackendKey;
import io.videolb.agent.observed.IpvsTraffic.Counters;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The traffic parsers on text captured from a real kernel (Debian 6.1 in the IPVS VM, by IpvsAgentVmIT's scenario just
 * after its first connections through the VIP: files {@code *.debian-6.1.txt}) and on hostile or foreign lines.
 */
class IpvsTrafficParserTest {
    static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    static BackendKey key(long mark, String server) {
        return new BackendKey(new Fwmark(mark), ip(server), 0);
    }

    @Test
    void procIpVsOfARealKernelGivesWeightsAndConnectionCountsPerFwmarkServer() throws IOException {
        // ip_vs.debian-6.1.txt: FWM 00000014 with C000020C (192.0.2.12) 1 1, FWM 0000000A with C000020B (192.0.2.11) 0
        // 1
        Map<BackendKey, IpvsTrafficParser.Status> s =
                IpvsTrafficParser.procIpVs(IpvsConnParserTest.golden("ip_vs.debian-6.1.txt"));
        assertThat(s)
                .containsExactly(
                        Map.entry(key(10, "192.0.2.11"), new IpvsTrafficParser.Status(1, 0, 1)),
                        Map.entry(key(20, "192.0.2.12"), new IpvsTrafficParser.Status(1, 1, 1)));
    }

    @Test
    void theFourReadsOfARealKernelJoinToTheCountsTheLabsConnectionsMade() throws IOException {
        // captured just after 2 x 1935 + 1 x 8080 from 203.0.113.21 (pool 10 -> rs11), 1 x 1935 from .22 (pool 20 ->
        // rs13 here) and 1935 + 8080 from .99 (default mark 50 -> rs14), scraped by the agent at the same moment
        IpvsTraffic t = IpvsTrafficParser.join(
                IpvsTrafficParser.procIpVs(IpvsConnParserTest.golden("ip_vs-traffic.debian-6.1.txt")),
                IpvsTrafficParser.ipvsadmListing(IpvsConnParserTest.golden("ipvsadm-Ln-stats-exact.debian-6.1.txt")),
                IpvsTrafficParser.ipvsadmListing(IpvsConnParserTest.golden("ipvsadm-Ln-rate-exact.debian-6.1.txt")),
                IpvsTrafficParser.procIpVsStats(IpvsConnParserTest.golden("ip_vs_stats.debian-6.1.txt")));
        assertThat(t.backends())
                .containsOnlyKeys(
                        key(10, "192.0.2.11"), key(20, "192.0.2.12"), key(20, "192.0.2.13"), key(50, "192.0.2.14"));
        assertThat(t.backends().get(key(10, "192.0.2.11")))
                .isEqualTo(
                        new IpvsTraffic.Backend(1, 1, 2, new Counters(3, 14, 0, 764, 0), new Counters(0, 0, 0, 10, 0)));
        assertThat(t.backends().get(key(20, "192.0.2.12")))
                .isEqualTo(new IpvsTraffic.Backend(1, 0, 0, new Counters(0, 0, 0, 0, 0), new Counters(0, 0, 0, 0, 0)));
        assertThat(t.backends().get(key(20, "192.0.2.13")).stats()).isEqualTo(new Counters(1, 4, 0, 220, 0));
        assertThat(t.backends().get(key(50, "192.0.2.14")))
                .isEqualTo(
                        new IpvsTraffic.Backend(1, 2, 0, new Counters(2, 8, 0, 440, 0), new Counters(0, 0, 0, 7, 0)));
        assertThat(t.serviceStats())
                .containsExactly(
                        Map.entry(new Fwmark(10), new Counters(3, 14, 0, 764, 0)),
                        Map.entry(new Fwmark(20), new Counters(1, 4, 0, 220, 0)),
                        Map.entry(new Fwmark(50), new Counters(2, 8, 0, 440, 0)));
        assertThat(t.serviceRates().get(new Fwmark(20))).isEqualTo(new Counters(0, 0, 0, 3, 0));
        // /proc/net/ip_vs_stats in hex: 6 connections, 0x1A packets, 0x590 bytes
        assertThat(t.kernelTotals()).isEqualTo(new Counters(6, 26, 0, 1424, 0));
    }

    @Test
    void foreignServicesIpv6AbbreviatedNumbersAndGarbageAreSkippedNeverThrown() {
        String stats = """
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
                  -> RemoteAddress:Port
                TCP  198.51.100.10:80                    9       90       80     9000     8000
                  -> 192.0.2.50:80                       9       90       80     9000     8000
                FWM  10                                  3       21        0     1234        0
                  -> 192.0.2.11:0                        3       21        0     1234        0
                  -> 192.0.2.12:0                      12K       21        0     1234        0
                  -> 192.0.2.13:0                        1       -2        0     1234        0
                  -> 999.0.2.13:0                        1        2        0     1234        0
                FWM  11 IPv6                             1        1        0        1        0
                  -> [2001:db8::1]:0                     1        1        0        1        0
                FWM  20                                 18446744073709551615 1 0 1 0
                """;
        IpvsTrafficParser.Listing l = IpvsTrafficParser.ipvsadmListing(stats);
        assertThat(l.services()).containsOnlyKeys(new Fwmark(10));
        assertThat(l.services().get(new Fwmark(10))).isEqualTo(new Counters(3, 21, 0, 1234, 0));
        assertThat(l.backends()).containsOnlyKeys(key(10, "192.0.2.11"));
        assertThat(IpvsTrafficParser.ipvsadmListing("")).isEqualTo(new IpvsTrafficParser.Listing(Map.of(), Map.of()));
        assertThat(IpvsTrafficParser.procIpVsStats("garbage")).isNull();
        assertThat(IpvsTrafficParser.procIpVs(
                        "FWM  0000000A rr\n  -> C000020B:0000 Route x 0 1\n  -> zz:0 Route 1 0 1\n"))
                .isEmpty();
    }
}
