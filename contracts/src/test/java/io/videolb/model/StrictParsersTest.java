package io.videolb.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** One test per input rule of the design brief, section 4. */
class StrictParsersTest {

    @Test
    void aDottedDecimalAddressParsesToItsValue() {
        assertThat(Ipv4Address.parse("192.0.2.1")).isEqualTo(Ipv4Address.of(192, 0, 2, 1));
        assertThat(Ipv4Address.parse("255.255.255.255").unsigned()).isEqualTo(4294967295L);
        assertThat(Ipv4Address.parse("0.0.0.0").bits()).isZero();
    }

    @Test
    void anOctalLookingAddressIsRefusedBecauseIptablesWouldReadItAsOctal() {
        assertThatThrownBy(() -> Ipv4Address.parse("010.1.1.1"))
                .hasMessageContaining("leading zero")
                .hasMessageContaining("octal");
        assertThatThrownBy(() -> Ipv4Address.parse("192.0.2.01")).hasMessageContaining("leading zero");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "localhost",
                "192.0.2",
                "192.0.2.1.5",
                "192.0.2.",
                ".192.0.2.1",
                "192..2.1",
                "192.0.2.256",
                "1234.0.2.1",
                "0x7f.0.0.1",
                "192.0.2.1 ",
                "+1.2.3.4",
                "1.2.3.4/32",
                "::1",
                "١٢.0.2.1"
            })
    void anythingButFourDecimalOctetsIsRefused(String text) {
        assertThatThrownBy(() -> Ipv4Address.parse(text)).isInstanceOf(InvalidValueException.class);
    }

    @Test
    void aNameIsNeverResolved() {
        // "example.com" would resolve through InetAddress.getByName; the strict parser refuses it without a lookup
        assertThatThrownBy(() -> Ipv4Address.parse("example.com")).hasMessageContaining("not a dotted-decimal");
    }

    @Test
    void aNetworkNeedsHostBitsZeroAndAPrefixOf1To32() {
        assertThat(Ipv4Network.parse("203.0.113.16/28").toString()).isEqualTo("203.0.113.16/28");
        assertThat(Ipv4Network.parse("203.0.113.7")).isEqualTo(Ipv4Network.host(Ipv4Address.parse("203.0.113.7")));
        assertThatThrownBy(() -> Ipv4Network.parse("203.0.113.17/28"))
                .hasMessageContaining("host bits set (did you mean 203.0.113.16/28?)");
        assertThatThrownBy(() -> Ipv4Network.parse("0.0.0.0/0")).hasMessageContaining("/0 is refused");
        assertThatThrownBy(() -> Ipv4Network.parse("10.0.0.0/33")).hasMessageContaining("above 32");
        assertThatThrownBy(() -> Ipv4Network.parse("10.0.0.0/08")).hasMessageContaining("invalid prefix length");
        assertThatThrownBy(() -> Ipv4Network.parse("10.0.0.0/")).hasMessageContaining("invalid prefix length");
    }

    @Test
    void aBareIpDomainMeansTheOriginalSlash24() {
        assertThat(Ipv4Network.parseWithDefaultPrefix("203.0.113.0", 24).toString())
                .isEqualTo("203.0.113.0/24");
        assertThat(Ipv4Network.parseWithDefaultPrefix("10.0.0.0/8", 24).toString())
                .isEqualTo("10.0.0.0/8");
        assertThatThrownBy(() -> Ipv4Network.parseWithDefaultPrefix("203.0.113.5", 24))
                .hasMessageContaining("host bits set");
    }

    @ParameterizedTest
    @CsvSource({"1,1", "50,50", "4294967295,4294967295"})
    void aDecimalFwmarkFrom1To2Pow32Minus1Parses(String text, long value) {
        assertThat(Fwmark.parse(text).value()).isEqualTo(value);
    }

    @ParameterizedTest
    @CsvSource({
        "0,no mark",
        "0x32,not a decimal fwmark",
        "4294967296,above 4294967295",
        "99999999999,above 4294967295",
        "050,leading zero",
        "-5,starts with '-'",
        "5.0,not a decimal fwmark"
    })
    void aFwmarkOf0HexOrAbove32BitsIsRefused(String text, String message) {
        assertThatThrownBy(() -> Fwmark.parse(text))
                .isInstanceOf(InvalidValueException.class)
                .hasMessageContaining(message);
    }

    @Test
    void everyIpvsSchedulerIsKnownByItsIpvsadmName() {
        for (String s :
                new String[] {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh"}) {
            assertThat(Scheduler.parse(s).ipvsName()).isEqualTo(s);
        }
        assertThatThrownBy(() -> Scheduler.parse("RR")).hasMessageContaining("not an IPVS scheduler");
        assertThatThrownBy(() -> Scheduler.parse("fastest")).hasMessageContaining("one of rr wrr");
    }

    @Test
    void aWeightIsDecimal0To2Pow31Minus1() {
        assertThat(RealServer.parseWeight("0")).isZero();
        assertThat(RealServer.parseWeight("2147483647")).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> RealServer.parseWeight("2147483648")).hasMessageContaining("above 2147483647");
        assertThatThrownBy(() -> RealServer.parseWeight("-1")).hasMessageContaining("starts with '-'");
        assertThatThrownBy(() -> RealServer.parseWeight("07")).hasMessageContaining("not a weight");
        assertThatThrownBy(() -> new RealServer(Ipv4Address.parse("192.0.2.1"), -1))
                .isInstanceOf(InvalidValueException.class);
    }

    @Test
    void persistenceIsDecimalSecondsUpToIpvsadmsLimit() {
        assertThat(ClusterParams.parsePersistence("0")).isZero();
        assertThat(ClusterParams.parsePersistence("2678400")).isEqualTo(2678400);
        assertThatThrownBy(() -> ClusterParams.parsePersistence("2678401")).hasMessageContaining("above 2678400");
        assertThatThrownBy(() -> ClusterParams.parsePersistence("60s")).hasMessageContaining("not a number of seconds");
    }

    @Test
    void aMailAddressIsStrictAndCanNeverCarryAHeader() {
        assertThat(MailAddress.parse("ops.team+lb@example.com").toString()).isEqualTo("ops.team+lb@example.com");
        assertThatThrownBy(() -> MailAddress.parse("ops@example.com\r\nBcc: x@example.org"))
                .hasMessageContaining("carriage return");
        assertThatThrownBy(() -> MailAddress.parse("Ops <ops@example.com>")).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> MailAddress.parse("ops@localhost")).hasMessageContaining("fully qualified");
        assertThatThrownBy(() -> MailAddress.parse("a@b@example.com")).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> MailAddress.parse("ops@-example.com")).hasMessageContaining("invalid domain label");
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> badText() {
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("a\rb", "carriage return (CR) at position 2"),
                org.junit.jupiter.params.provider.Arguments.of("a\nb", "line feed (LF) at position 2"),
                org.junit.jupiter.params.provider.Arguments.of("a" + (char) 0 + "b", "NUL character at position 2"),
                org.junit.jupiter.params.provider.Arguments.of("a\tb", "U+0009"),
                org.junit.jupiter.params.provider.Arguments.of("a" + (char) 0x7f + "b", "U+007F"),
                org.junit.jupiter.params.provider.Arguments.of("a" + (char) 0x85 + "b", "U+0085"),
                org.junit.jupiter.params.provider.Arguments.of("a" + (char) 0x2028 + "b", "U+2028"),
                org.junit.jupiter.params.provider.Arguments.of("-x", "starts with '-'"),
                org.junit.jupiter.params.provider.Arguments.of(" x", "leading or trailing blanks"));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("badText")
    void fieldTextRefusesControlCharactersALeadingDashAndBlanks(String raw, String message) {
        assertThatThrownBy(() -> FieldText.check(raw))
                .isInstanceOf(InvalidValueException.class)
                .hasMessageContaining(message);
    }

    @Test
    void fieldTextRefusesEmptyAndOverlongText() {
        assertThatThrownBy(() -> FieldText.check("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> FieldText.check("x".repeat(FieldText.MAX_LENGTH + 1)))
                .hasMessageContaining("longer than");
        assertThat(FieldText.check("x".repeat(FieldText.MAX_LENGTH))).hasSize(FieldText.MAX_LENGTH);
    }

    @Test
    void escapeMakesEveryControlCharacterVisibleAndCutsLongText() {
        assertThat(FieldText.escape("a\r\n\u0000\t\u0007\u2028b")).isEqualTo("a\\r\\n\\0\\t\\u0007\\u2028b");
        assertThat(FieldText.escape("y".repeat(100), 10)).isEqualTo("yyyyyyyyyy...");
    }

    @Test
    void aProblemPrintsAsFileLineFieldMessageAndNeverCarriesARawControlCharacter() {
        Problem p = new Problem("client-list.csv", 3, "IP", "bad 'x\ry'");
        assertThat(p.toString()).isEqualTo("client-list.csv:3: IP: bad 'x\\ry'");
    }
}
