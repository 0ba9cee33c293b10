package io.videolb.agent.http;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.videolb.agent.observed.ClientPersistence;
import io.videolb.agent.observed.IpvsConnParser;
import io.videolb.agent.observed.PersistenceReport;
import io.videolb.agent.observed.PersistenceTemplate;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /persistence?client=IPv4}: the client's IPVS persistence templates and connections,
 * read from {@code PROC/net/ip_vs_conn} (and the persistence netmasks from {@code PROC/net/ip_vs})
 * on a worker thread, never on the event loop. Read-only, and only for loopback peers (403 otherwise: it names
 * viewers' addresses). Answers: 200 JSON; 400 JSON naming the field; 503 text when the proc file does not exist (no IPVS here) or when too many reads are running.
 */
final class PersistenceEndpoint implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(PersistenceEndpoint.class);
    /** Reads running at once; more get 503 (each one streams the whole table). */
    static final int MAX_CONCURRENT_READS = 2;
    /** /proc/net/ip_vs lists services, not connections: 1 MiB is far beyond any real table of ours. */
    static final int MAX_SERVICES_BYTES = 1 << 20;

    private static final Ipv4Network LOOPBACK = Ipv4Network.parse("127.0.0.0/8");

    private final Vertx vertx;
    private final Path procRoot;
    private final ClientPersistence.Limits limits;
    private final AtomicInteger running = new AtomicInteger();

    PersistenceEndpoint(Vertx vertx, Path procRoot, ClientPersistence.Limits limits) {
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public void handle(RoutingContext ctx) {
        // the answer names viewers' addresses and where they watch: only the director itself may ask (the CLI's
        // `videolb explain` runs there), while /metrics and /health stay open to the monitoring network
        String peer = ctx.request().remoteAddress() == null
                ? null
                : ctx.request().remoteAddress().host();
        if (!isLoopback(peer)) {
            text(ctx, 403, "GET /persistence answers only on the director itself (loopback)");
            return;
        }
        List<String> values = ctx.queryParam("client");
        Ipv4Address client;
        try {
            if (values.size() != 1)
                throw new IllegalArgumentException(values.isEmpty() ? "is missing" : "is given more than once");
            client = Ipv4Address.parse(values.get(0));
        } catch (IllegalArgumentException e) {
            ctx.response()
                    .setStatusCode(400)
                    .putHeader("content-type", "application/json")
                    .end(new JsonObject()
                            .put("field", "client")
                            .put("message", "client: " + e.getMessage())
                            .encode());
            return;
        }
        if (running.incrementAndGet() > MAX_CONCURRENT_READS) {
            running.decrementAndGet();
            text(
                    ctx,
                    503,
                    "busy: " + MAX_CONCURRENT_READS + " reads of the IPVS connection table are running, ask again");
            return;
        }
        vertx.executeBlocking(() -> read(client), false).onComplete(ar -> {
            running.decrementAndGet();
            if (ar.failed()) {
                LOG.warn(
                        "GET /persistence for {} failed: {}", client, ar.cause().toString());
                text(
                        ctx,
                        500,
                        "cannot read " + connFile() + ": "
                                + ar.cause().getClass().getSimpleName());
            } else if (ar.result() == null) {
                text(
                        ctx,
                        503,
                        "no IPVS here: " + connFile() + " does not exist (plan-only machine or ip_vs not loaded)");
            } else {
                ctx.response()
                        .putHeader("content-type", "application/json")
                        .end(json(ar.result()).encode());
            }
        });
    }

    /** Whether a peer's literal address is a loopback address (127.0.0.0/8, ::1); names and null are not. */
    static boolean isLoopback(String host) {
        if (host == null) return false;
        if (host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")) return true;
        try {
            return LOOPBACK.contains(Ipv4Address.parse(host));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private Path connFile() {
        return procRoot.resolve("net/ip_vs_conn");
    }

    /** The report, or null when the connection table does not exist. */
    private PersistenceReport read(Ipv4Address client) throws IOException {
        Path conn = connFile();
        if (!Files.exists(conn)) return null;
        Map<Fwmark, Set<Integer>> netmasks = IpvsConnParser.persistenceNetmasks(services());
        // ISO-8859-1 decodes every byte: a hostile byte becomes a character the parser refuses, never an exception
        try (Reader in = Files.newBufferedReader(conn, StandardCharsets.ISO_8859_1)) {
            return ClientPersistence.read(in, client, netmasks, limits, System::nanoTime);
        }
    }

    private String services() throws IOException {
        Path services = procRoot.resolve("net/ip_vs");
        if (!Files.isRegularFile(services)) return "";
        try (InputStream in = Files.newInputStream(services)) {
            return new String(in.readNBytes(MAX_SERVICES_BYTES), StandardCharsets.ISO_8859_1);
        }
    }

    static JsonObject json(PersistenceReport r) {
        JsonArray templates = new JsonArray();
        for (PersistenceTemplate t : r.templates()) {
            templates.add(new JsonObject()
                    .put("fwmark", t.fwmark().value())
                    .put("server", t.server().toString())
                    .put("expiresSeconds", t.expiresSeconds())
                    .put("state", t.state())
                    .put("from", t.from().toString()));
        }
        JsonArray connections = new JsonArray();
        for (PersistenceReport.ClientConnection cc : r.connections()) {
            var c = cc.entry();
            JsonObject o = new JsonObject()
                    .put("fwmark", cc.fwmark().map(Fwmark::value).orElse(null))
                    .put("server", c.server().toString())
                    .put("serverPort", c.serverPort())
                    .put("state", c.state())
                    .put("expiresSeconds", c.expiresSeconds())
                    .put("protocol", c.protocol())
                    .put("clientPort", c.clientPort())
                    .put("virtual", c.virtualAddress().toString())
                    .put("virtualPort", c.virtualPort());
            connections.add(o);
        }
        JsonObject o = new JsonObject()
                .put("client", r.client().toString())
                .put("templates", templates)
                .put("connections", connections)
                .put("connectionsOmitted", r.connectionsOmitted())
                .put("linesRead", r.lines())
                .put("malformedLines", r.malformed())
                .put("ipv6Skipped", r.ipv6Skipped())
                .put("complete", r.truncated().isEmpty());
        r.firstMalformed().ifPresent(m -> o.put("firstMalformed", m));
        r.truncated().ifPresent(t -> o.put("truncated", t));
        return o;
    }

    private static void text(RoutingContext ctx, int status, String body) {
        ctx.response()
                .setStatusCode(status)
                .putHeader("content-type", "text/plain; charset=utf-8")
                .end(body + "\n");
    }
}
