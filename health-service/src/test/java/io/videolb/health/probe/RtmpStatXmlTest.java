package io.videolb.health.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.health.inventory.StreamInventory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rtmp_stat parser: real pages captured from nginx-rtmp 1.1.4 (Debian), and hostile ones. */
class RtmpStatXmlTest {
    static byte[] resource(String name) throws IOException {
        try (InputStream in = RtmpStatXmlTest.class.getResourceAsStream("/rtmp-stat/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static StreamInventory parse(String xml) {
        return RtmpStatXml.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldReadTwoPublishingStreamsAndOneViewerFromARealNginxRtmpPage() throws IOException {
        StreamInventory inv = RtmpStatXml.parse(resource("nginx-rtmp-1.1.4-two-streams-one-viewer.xml"));
        assertThat(inv.streams())
                .containsExactly(
                        new StreamInventory.Stream("live", "cam1", true, 1, 0),
                        new StreamInventory.Stream("live", "cam2", true, 0, 0));
        assertThat(inv.publishingPaths()).containsExactly("live/cam1", "live/cam2");
        assertThat(inv.bwOutBitsPerSecond()).isZero();
    }

    @Test
    void shouldReadAnEmptyApplicationAsNoStreams() throws IOException {
        StreamInventory inv = RtmpStatXml.parse(resource("nginx-rtmp-1.1.4-no-streams.xml"));
        assertThat(inv.streams()).isEmpty();
    }

    @Test
    void shouldCountAllClientsAsViewersOfAStreamWithoutPublisherAndReadBandwidth() {
        StreamInventory inv = parse("<rtmp><bw_out>123456</bw_out><server><application><name>live</name><live>"
                + "<stream><name>cam7</name><bw_out>98765</bw_out><nclients>3</nclients></stream>"
                + "</live></application></server></rtmp>");
        assertThat(inv.streams()).containsExactly(new StreamInventory.Stream("live", "cam7", false, 3, 98765));
        assertThat(inv.publishingPaths()).isEmpty();
        assertThat(inv.bwOutBitsPerSecond()).isEqualTo(123456);
    }

    @Test
    void shouldRejectGarbageWithTheLineAndColumn() {
        assertThatThrownBy(() -> parse("<rtmp><server>\n<application></rtmp>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not well-formed XML at line 2");
        assertThatThrownBy(() -> parse("this is not xml")).hasMessageStartingWith("not well-formed XML at line 1");
        assertThatThrownBy(() -> RtmpStatXml.parse(new byte[0])).hasMessage("empty body, not rtmp_stat XML");
    }

    @Test
    void shouldRejectAnotherDocumentByItsRootElement() {
        assertThatThrownBy(() -> parse("<html><body>It works</body></html>"))
                .hasMessage("not an rtmp_stat document: root element <html>, expected <rtmp>");
    }

    @Test
    void shouldRejectAnyDoctypeSoNoEntityIsEverExpandedOrFetched(@TempDir Path dir) throws IOException {
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "SECRET");
        String external = "<?xml version=\"1.0\"?><!DOCTYPE rtmp [<!ENTITY x SYSTEM \"" + secret.toUri()
                + "\">]><rtmp><server><application><name>&x;</name></application></server></rtmp>";
        assertThatThrownBy(() -> parse(external))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DOCTYPE")
                .hasMessageNotContaining("SECRET");
        StringBuilder lol = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE rtmp [<!ENTITY a \"aaaaaaaaaa\">");
        for (int i = 1; i < 10; i++) {
            lol.append("<!ENTITY ").append((char) ('a' + i)).append(" \"");
            for (int k = 0; k < 10; k++)
                lol.append('&').append((char) ('a' + i - 1)).append(';');
            lol.append("\">");
        }
        lol.append("]><rtmp><bw_out>&j;</bw_out></rtmp>");
        assertThatThrownBy(() -> parse(lol.toString())).hasMessageContaining("DOCTYPE");
    }

    @Test
    void shouldRejectMissingOrBadFieldsNamingTheStream() {
        assertThatThrownBy(() -> parse("<rtmp><server><application><name>live</name><live>"
                        + "<stream><name>cam1</name></stream></live></application></server></rtmp>"))
                .hasMessage("stream 'live/cam1': no <nclients>");
        assertThatThrownBy(
                        () -> parse(
                                "<rtmp><server><application><name>live</name><live>"
                                        + "<stream><name>cam1</name><nclients>-1</nclients></stream></live></application></server></rtmp>"))
                .hasMessage("stream 'live/cam1': <nclients> '-1' is not a count");
        assertThatThrownBy(() -> parse("<rtmp><server><application><name>live</name><live>"
                        + "<stream><name>cam1</name><nclients>0</nclients><publishing/></stream>"
                        + "</live></application></server></rtmp>"))
                .hasMessage("stream 'live/cam1': nclients 0 does not fit its publisher");
        assertThatThrownBy(
                        () -> parse(
                                "<rtmp><server><application><name>live</name><live>"
                                        + "<stream><name>a b</name><nclients>0</nclients></stream></live></application></server></rtmp>"))
                .hasMessageStartingWith("stream #1 of application 'live': name 'a b' is not 1..256 visible ASCII");
        assertThatThrownBy(() -> parse("<rtmp><server><application><live/></application></server></rtmp>"))
                .hasMessage("<application>: no <name>");
        assertThatThrownBy(() -> parse("<rtmp><bw_out>9999999999999999999999</bw_out></rtmp>"))
                .hasMessageStartingWith("<rtmp>: <bw_out> '9999999999999999999999' is not a count");
    }

    @Test
    void shouldRejectMoreStreamsThanTheBound() {
        StringBuilder b = new StringBuilder("<rtmp><server><application><name>live</name><live>");
        for (int i = 0; i <= RtmpStatXml.MAX_STREAMS; i++)
            b.append("<stream><name>s").append(i).append("</name><nclients>0</nclients></stream>");
        b.append("</live></application></server></rtmp>");
        assertThatThrownBy(() -> parse(b.toString())).hasMessage("more than " + RtmpStatXml.MAX_STREAMS + " streams");
    }
}
