package io.videolb.health.probe;

import io.videolb.health.inventory.StreamInventory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Parses nginx-rtmp's {@code rtmp_stat} XML into a {@link StreamInventory}. The parser is hardened: no DTD at
 * all (a document with one is rejected, so no external or expanding entities), no external access, no
 * XInclude, secure processing on. The body is already bounded by the caller ({@link Prober}'s byte cap); here
 * the count of streams and the length of names are bounded too. Anything that is not an rtmp_stat document is
 * rejected with an {@link IllegalArgumentException} whose message says what and where.
 */
public final class RtmpStatXml {
    /** More streams than this on one server is not a stats page we trust. */
    public static final int MAX_STREAMS = 10_000;

    private static final int MAX_NAME = 256;

    private RtmpStatXml() {}

    public static StreamInventory parse(byte[] xml) {
        if (xml.length == 0) throw new IllegalArgumentException("empty body, not rtmp_stat XML");
        Document doc;
        try {
            DocumentBuilder b = factory().newDocumentBuilder();
            b.setErrorHandler(SILENT);
            b.setEntityResolver((publicId, systemId) -> {
                throw new SAXException("external entity " + systemId + " refused");
            });
            doc = b.parse(new ByteArrayInputStream(xml));
        } catch (SAXParseException e) {
            throw new IllegalArgumentException("not well-formed XML at line " + e.getLineNumber() + ", column "
                    + e.getColumnNumber() + ": " + shorten(e.getMessage()));
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new IllegalArgumentException("not readable XML: " + shorten(e.getMessage()));
        }
        Element root = doc.getDocumentElement();
        if (!"rtmp".equals(root.getTagName()))
            throw new IllegalArgumentException(
                    "not an rtmp_stat document: root element <" + shorten(root.getTagName()) + ">, expected <rtmp>");
        long serverBwOut = number(root, "bw_out", "<rtmp>", 0L);
        List<StreamInventory.Stream> streams = new ArrayList<>();
        for (Element server : children(root, "server")) {
            for (Element app : children(server, "application")) {
                String appName = name(app, "<application>");
                for (Element live : children(app, "live")) {
                    for (Element stream : children(live, "stream")) {
                        if (streams.size() >= MAX_STREAMS)
                            throw new IllegalArgumentException("more than " + MAX_STREAMS + " streams");
                        String where = "stream #" + (streams.size() + 1) + " of application '" + appName + "'";
                        String streamName = name(stream, where);
                        where = "stream '" + appName + "/" + streamName + "'";
                        boolean publishing = !children(stream, "publishing").isEmpty();
                        long nclients = number(stream, "nclients", where, null);
                        long viewers = nclients - (publishing ? 1 : 0);
                        if (viewers < 0 || viewers > Integer.MAX_VALUE)
                            throw new IllegalArgumentException(
                                    where + ": nclients " + nclients + " does not fit its publisher");
                        streams.add(new StreamInventory.Stream(
                                appName, streamName, publishing, (int) viewers, number(stream, "bw_out", where, 0L)));
                    }
                }
            }
        }
        return new StreamInventory(streams, serverBwOut);
    }

    private static DocumentBuilderFactory factory() throws ParserConfigurationException {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        f.setNamespaceAware(false);
        f.setValidating(false);
        return f;
    }

    private static final ErrorHandler SILENT = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {}

        @Override
        public void error(SAXParseException e) throws SAXException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXException {
            throw e;
        }
    };

    private static List<Element> children(Element parent, String tag) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling())
            if (n instanceof Element e && tag.equals(e.getTagName())) out.add(e);
        return out;
    }

    private static String text(Element parent, String tag, String where) {
        List<Element> c = children(parent, tag);
        if (c.isEmpty()) return null;
        if (c.size() > 1) throw new IllegalArgumentException(where + ": more than one <" + tag + ">");
        return c.get(0).getTextContent().strip();
    }

    /** A stream or application name: 1..256 visible ASCII characters, none of them markup or a slash. */
    private static String name(Element e, String where) {
        String n = text(e, "name", where);
        if (n == null) throw new IllegalArgumentException(where + ": no <name>");
        if (n.isEmpty()
                || n.length() > MAX_NAME
                || !n.chars().allMatch(c -> c > 0x20 && c < 0x7f && "<>\"&'/\\".indexOf(c) < 0))
            throw new IllegalArgumentException(where + ": name '" + shorten(n) + "' is not 1.." + MAX_NAME
                    + " visible ASCII characters without <>\"&'/\\");
        return n;
    }

    private static long number(Element e, String tag, String where, Long absent) {
        String t = text(e, tag, where);
        if (t == null) {
            if (absent == null) throw new IllegalArgumentException(where + ": no <" + tag + ">");
            return absent;
        }
        if (!t.matches("[0-9]{1,18}"))
            throw new IllegalArgumentException(where + ": <" + tag + "> '" + shorten(t) + "' is not a count");
        return Long.parseLong(t);
    }

    private static String shorten(String s) {
        if (s == null) return "";
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
