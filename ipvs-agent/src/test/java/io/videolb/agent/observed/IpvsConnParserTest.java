package io.videolb.agent.observed;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The /proc/net/ip_vs_conn parser on text captured from a real kernel (Debian 6.1.0-56 in the IPVS
 * VM: fwmark 10 -p 60 with 192.0.2.11, fwmark 20 -p 120 -M 255.255.255.0 with 192.0.2.12, one
 * connection each from 203.0.113.21 to :1935 and from .22 and .23 to :8080; see docs/ipvs-agent.md)
 * and on hostile lines.
 */
class IpvsConnParserTest {
    static final ClientPersistence.Limits LIMITS = ClientPersistence.Limits.DEFAULT;

    static String golden(String name) throws IOException {
        try (InputStream in = IpvsConnParserTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    static PersistenceReport report(String client) throws IOException {
        return ClientPersistence.read(
                golden("ip_vs_conn.debian-6.1.txt"),
                ip(client),
                IpvsConnParser.persistenceNetmasks(golden("ip_vs.debian-6.1.txt")),
                LIMITS);
    }

    @Test
    void everyLineOfTheRealTableParsesToWhatIpvsadmShows() throws IOException {
        List<IpvsConnLine> lines = golden("ip_vs_conn.debian-6.1.txt")
                .lines()
                .map(IpvsConnParser::parse)
                .toList();
        // ipvsadm -Lnc of the same moment: ipvsadm-Lnc.debian-6.1.txt
        assertThat(lines)
                .containsExactly(
                        new IpvsConnLine.Header(),
                        new IpvsConnection(
                                "TCP",
                                ip("203.0.113.21"),
                                49084,
                                ip("198.51.100.10"),
                                1935,
                                ip("192.0.2.11"),
                                1935,
                                "FIN_WAIT",
                                116),
                        new IpvsConnection(
                                "TCP",
                                ip("203.0.113.22"),
                                58810,
                                ip("198.51.100.10"),
                                8080,
                                ip("192.0.2.12"),
                                8080,
                                "ESTABLISHED",
                                897),
                        new PersistenceTemplate(ip("203.0.113.0"), new Fwmark(20), ip("192.0.2.12"), "ASSURED", 117),
                        new IpvsConnection(
                                "TCP",
                                ip("203.0.113.23"),
                                40550,
                                ip("198.51.100.10"),
                                8080,
                                ip("192.0.2.12"),
                                8080,
                                "FIN_WAIT",
                                117),
                        new PersistenceTemplate(ip("203.0.113.21"), new Fwmark(10), ip("192.0.2.11"), "ASSURED", 56));
    }

    @Test
    void readsThePersistenceNetmasksOfTheRealServiceTable() throws IOException {
        assertThat(IpvsConnParser.persistenceNetmasks(golden("ip_vs.debian-6.1.txt")))
                .isEqualTo(Map.of(new Fwmark(10), Set.of(0xFFFFFFFF), new Fwmark(20), Set.of(0xFFFFFF00)));
        assertThat(
                        IpvsConnParser.persistenceNetmasks(
                                "FWM  0000000A rr \nFWM  0000001E wlc ops persistent 300 FFFF0000\nTCP  C633640A:078F rr persistent 100 FFFFFFFF\n"))
                .as("no persistence: skipped; ops flag; a VIP:port service is not a fwmark")
                .isEqualTo(Map.of(new Fwmark(30), Set.of(0xFFFF0000)));
    }

    @Test
    void findsTheClientsTemplateAndConnectionsWithTheMarkOfTheTemplate() throws IOException {
        PersistenceReport r = report("203.0.113.21");
        // fwmark 20 pins all of 203.0.113.0/24 (-M 255.255.255.0): .21's next 8080 connection (mark 20 in the capture's
        // rules) goes to .12
        assertThat(r.templates())
                .containsExactly(
                        new PersistenceTemplate(ip("203.0.113.21"), new Fwmark(10), ip("192.0.2.11"), "ASSURED", 56),
                        new PersistenceTemplate(ip("203.0.113.0"), new Fwmark(20), ip("192.0.2.12"), "ASSURED", 117));
        assertThat(r.connections())
                .containsExactly(new PersistenceReport.ClientConnection(
                        new IpvsConnection(
                                "TCP",
                                ip("203.0.113.21"),
                                49084,
                                ip("198.51.100.10"),
                                1935,
                                ip("192.0.2.11"),
                                1935,
                                "FIN_WAIT",
                                116),
                        Optional.of(new Fwmark(10))));
        assertThat(r.lines()).isEqualTo(6);
        assertThat(r.malformed()).isZero();
        assertThat(r.ipv6Skipped()).isZero();
        assertThat(r.truncated()).isEmpty();
    }

    @Test
    void aTemplateOfTheClientsNetworkHoldsItWhenTheServiceHasAPersistenceNetmask() throws IOException {
        PersistenceTemplate net =
                new PersistenceTemplate(ip("203.0.113.0"), new Fwmark(20), ip("192.0.2.12"), "ASSURED", 117);
        assertThat(report("203.0.113.22").templates()).containsExactly(net);
        assertThat(report("203.0.113.22").connections())
                .extracting(
                        c -> c.entry().state() + " " + c.fwmark().orElseThrow().value())
                .containsExactly("ESTABLISHED 20");
        assertThat(report("203.0.113.77").templates())
                .as("never connected, but its /24 is pinned")
                .containsExactly(net);
        assertThat(report("203.0.113.77").connections()).isEmpty();
        assertThat(report("203.0.114.22").templates()).as("another network").isEmpty();
        PersistenceReport noMasks =
                ClientPersistence.read(golden("ip_vs_conn.debian-6.1.txt"), ip("203.0.113.22"), Map.of(), LIMITS);
        assertThat(noMasks.templates())
                .as("netmasks unknown: exact client match only")
                .isEmpty();
        assertThat(noMasks.connections().get(0).fwmark()).isEmpty();
    }

    @Test
    void aClientUnknownToIpvsHasNothing() throws IOException {
        PersistenceReport r = report("192.0.2.200");
        assertThat(r.templates()).isEmpty();
        assertThat(r.connections()).isEmpty();
        assertThat(r.lines()).isEqualTo(6);
    }

    @Test
    void hostileLinesAreSkippedAndCountedAndNeverKept() {
        assertThat(IpvsConnParser.parse("TCP cb007115 BFBC C633640A 078F C000020B 078F FIN_WAIT 116"))
                .isEqualTo(new IpvsConnLine.Malformed("FromIP: not 8 hex digits"));
        assertThat(IpvsConnParser.parse("TCP CB00711 BFBC C633640A 078F C000020B 078F FIN_WAIT 116"))
                .isEqualTo(new IpvsConnLine.Malformed("FromIP: not 8 hex digits"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBCD C633640A 078F C000020B 078F FIN_WAIT 116"))
                .isEqualTo(new IpvsConnLine.Malformed("FPrt: not 4 hex digits"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F fin_wait 116"))
                .isEqualTo(new IpvsConnLine.Malformed("State: not a state word"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F FIN\u0007WAIT 116"))
                .isEqualTo(new IpvsConnLine.Malformed("State: not a state word"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT -1"))
                .isEqualTo(new IpvsConnLine.Malformed("Expires: not a decimal number"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT 9999999999"))
                .isEqualTo(new IpvsConnLine.Malformed("Expires: above 2^32-1"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT"))
                .isEqualTo(new IpvsConnLine.Malformed("expected 9 to 11 fields, got 8"));
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT 1 a b c"))
                .isEqualTo(new IpvsConnLine.Malformed("expected 9 to 11 fields, got 12"));
        assertThat(IpvsConnParser.parse("XYZ CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT 116"))
                .isEqualTo(new IpvsConnLine.Malformed("Pro: unknown protocol"));
        assertThat(IpvsConnParser.parse("IP  CB007115 0000 00000000 0000 C000020B 0000 NONE 56"))
                .isEqualTo(new IpvsConnLine.Malformed("ToIP: a template with fwmark 0"));
        assertThat(IpvsConnParser.parse("")).isEqualTo(new IpvsConnLine.Malformed("empty line"));
        assertThat(IpvsConnParser.parse("TCP CB007115 0000 C633640A 078F C000020B 078F NONE 100"))
                .as("template of a VIP:port service")
                .isEqualTo(new IpvsConnLine.PortTemplate());
        assertThat(IpvsConnParser.parse("IP  CB007115 0000 0000000A 0000 C000020B 0000 NONE 300 sip 0123abcd"))
                .as("persistence engine columns are ignored")
                .isEqualTo(new PersistenceTemplate(ip("203.0.113.21"), new Fwmark(10), ip("192.0.2.11"), "NONE", 300));
        assertThat(IpvsConnParser.parse("IP  CB007115 0000 FFFFFFFF 0000 C000020B 0000 NONE 1"))
                .as("the largest fwmark")
                .isEqualTo(new PersistenceTemplate(
                        ip("203.0.113.21"), new Fwmark(4294967295L), ip("192.0.2.11"), "NONE", 1));
    }

    @Test
    void ipv6EntriesAreSkipped() {
        // the kernel prints IPv6 entries with %pI6 (8 groups of 4 hex digits) and an IPv6 real server of an IPv4
        // service in brackets
        assertThat(IpvsConnParser.parse(
                        "TCP 2001:0db8:0001:0000:0000:0000:0000:0002 A1B2 2001:0db8:0003:0000:0000:0000:0000:0010 078F "
                                + "2001:0db8:0002:0000:0000:0000:0000:0002 078F ESTABLISHED     899"))
                .isEqualTo(new IpvsConnLine.Ipv6());
        assertThat(IpvsConnParser.parse("TCP CB007115 BFBC C633640A 078F [20010DB8] 078F ESTABLISHED 899"))
                .isEqualTo(new IpvsConnLine.Ipv6());
    }

    @Test
    void aFileOfHostileLinesAroundTheRealOnesStillYieldsTheClient() throws IOException {
        String text = "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
                + "IP  CB007115 0000 0000000a 0000 C000020B 0000 NONE 56\n" // lower-case hex
                + "x".repeat(100_000) + "\n" // overlong (not kept)
                + "IP  CB007115 0000 0000000A 0000 C000020B 0000 \0NONE 56\n" // NUL
                + "TCP 2001:0db8:0001:0000:0000:0000:0000:0002 A1B2 2001:0db8:0003:0000:0000:0000:0000:0010 078F "
                + "2001:0db8:0002:0000:0000:0000:0000:0002 078F ESTABLISHED     899\n"
                + "\n"
                + "IP  CB007115 0000 0000000A 0000 C000020B 0000 ASSURED          56\n"
                + "TCP CB007115 BFBC C633640A 078F C000020B 078F FIN_WAIT        116"; // no final newline
        PersistenceReport r = ClientPersistence.read(text, ip("203.0.113.21"), Map.of(), LIMITS);
        assertThat(r.templates())
                .containsExactly(
                        new PersistenceTemplate(ip("203.0.113.21"), new Fwmark(10), ip("192.0.2.11"), "ASSURED", 56));
        assertThat(r.connections()).hasSize(1);
        assertThat(r.lines()).isEqualTo(8);
        assertThat(r.malformed()).isEqualTo(4);
        assertThat(r.firstMalformed()).contains("line 2: ToIP: not 8 hex digits");
        assertThat(r.ipv6Skipped()).isEqualTo(1);
        assertThat(r.truncated()).isEmpty();
        PersistenceReport longLine = ClientPersistence.read("x".repeat(100_000), ip("203.0.113.21"), Map.of(), LIMITS);
        assertThat(longLine.firstMalformed()).contains("line 1: line longer than 512 characters");
    }

    @Test
    void connectionsAreBoundedAndCountedBeyondTheBound() {
        StringBuilder text = new StringBuilder();
        for (int port = 1000; port < 1250; port++) {
            text.append(
                    String.format("TCP CB007115 %04X C633640A 078F C000020B 078F ESTABLISHED     %d%n", port, port));
        }
        PersistenceReport r = ClientPersistence.read(
                text.toString(),
                ip("203.0.113.21"),
                Map.of(),
                new ClientPersistence.Limits(1_000, 512, 100, Duration.ofSeconds(5)));
        assertThat(r.connections()).hasSize(100);
        assertThat(r.connections().get(99).entry().clientPort()).isEqualTo(1099);
        assertThat(r.connectionsOmitted()).isEqualTo(150);
        assertThat(r.truncated()).isEmpty();
    }

    @Test
    void readingStopsAtTheLineLimitAndAtTheTimeLimit() throws IOException {
        String line = "TCP CB007116 E5BA C633640A 1F90 C000020C 1F90 ESTABLISHED     897\n";
        PersistenceReport byLines = ClientPersistence.read(
                line.repeat(10) + "IP  CB007115 0000 0000000A 0000 C000020B 0000 ASSURED 56\n",
                ip("203.0.113.21"),
                Map.of(),
                new ClientPersistence.Limits(3, 512, 100, Duration.ofSeconds(5)));
        assertThat(byLines.truncated()).contains("stopped after 3 lines (limit)");
        assertThat(byLines.templates())
                .as("the template after the limit is not seen")
                .isEmpty();
        AtomicLong clock = new AtomicLong();
        PersistenceReport byTime = ClientPersistence.read(
                new StringReader(line.repeat(10_000)),
                ip("203.0.113.21"),
                Map.of(),
                new ClientPersistence.Limits(1_000_000, 512, 100, Duration.ofSeconds(5)),
                () -> clock.getAndAdd(Duration.ofSeconds(3).toNanos()));
        assertThat(byTime.truncated()).contains("stopped after 5000 ms (8192 lines read)");
        assertThat(byTime.lines()).isEqualTo(8192);
    }
}
