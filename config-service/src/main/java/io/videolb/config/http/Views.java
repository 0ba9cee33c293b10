package io.videolb.config.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.videolb.config.csv.CsvExport;
import io.videolb.events.AgentStatus;
import io.videolb.events.CheckerStatus;
import io.videolb.events.DesiredRecords;
import io.videolb.events.HealthVerdict;
import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.Problem;
import io.videolb.model.RealServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/** Pure functions from state (and health / agent status) to the API's JSON documents. */
final class Views {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Views() {}

    public static JsonNode tree(Object value) {
        return Json.MAPPER.valueToTree(value);
    }

    public static ObjectNode problems(int status, String code, String message, List<Problem> problems) {
        ObjectNode o = F.objectNode();
        o.put("status", status);
        o.put("error", code);
        o.put("message", message);
        ArrayNode a = o.putArray("problems");
        for (Problem p : problems) {
            ObjectNode n = a.addObject();
            n.put("source", p.source());
            n.put("line", p.line());
            n.put("field", p.field());
            n.put("message", p.message());
        }
        return o;
    }

    public static ObjectNode summary(long generation, DesiredState s) {
        ObjectNode o = F.objectNode();
        o.put("generation", generation);
        o.set("params", tree(s.params()));
        o.set("pools", tree(new ArrayList<>(s.pools().values())));
        ArrayNode b = o.putArray("backups");
        s.backups().forEach((k, v) -> b.addObject().put("server", k.toString()).put("backup", v.toString()));
        o.put("clientCount", s.clients().size());
        o.set("maintenance", tree(new ArrayList<>(s.maintenance().values())));
        return o;
    }

    /** One page of clients whose network text or mark contains {@code query} (empty: all), in address order. */
    public static ObjectNode clients(long generation, DesiredState s, String query, int offset, int limit) {
        ObjectNode o = F.objectNode();
        o.put("generation", generation);
        ArrayNode items = F.arrayNode();
        int total = 0;
        String q = query == null ? "" : query.strip();
        Fwmark markQuery = null;
        if (q.startsWith("mark:")) {
            try {
                markQuery = Fwmark.parse(q.substring(5));
            } catch (IllegalArgumentException e) {
                throw ApiException.badField("q", "mark:N needs a decimal fwmark");
            }
        }
        for (Map.Entry<Ipv4Network, Fwmark> e : s.clients().entrySet()) {
            boolean match;
            if (markQuery != null) match = e.getValue().equals(markQuery);
            else match = q.isEmpty() || e.getKey().toString().contains(q);
            if (!match) continue;
            if (total >= offset && items.size() < limit) items.add(client(e.getKey(), e.getValue()));
            total++;
        }
        o.put("total", total);
        o.put("offset", offset);
        o.put("limit", limit);
        o.set("items", items);
        return o;
    }

    public static ObjectNode client(Ipv4Network n, Fwmark m) {
        return F.objectNode()
                .put("client", CsvExport.clientText(n))
                .put("network", n.toString())
                .put("mark", m.value());
    }

    /** The desired-state difference from {@code before} to {@code after}, entity by entity. */
    public static ObjectNode plan(long generation, DesiredState before, DesiredState after) {
        SortedMap<String, String> b = before == null ? new TreeMap<>() : DesiredRecords.encode(before);
        SortedMap<String, String> a = DesiredRecords.encode(after);
        SortedMap<String, String> diff = DesiredRecords.diff(b, a);
        ObjectNode o = F.objectNode();
        o.put("generation", generation);
        int add = 0, change = 0, remove = 0;
        ArrayNode changes = o.putArray("changes");
        for (Map.Entry<String, String> e : diff.entrySet()) {
            ObjectNode c = changes.addObject();
            String old = b.get(e.getKey());
            String op = e.getValue() == null ? "remove" : old == null ? "add" : "change";
            if (op.equals("add")) add++;
            else if (op.equals("change")) change++;
            else remove++;
            c.put("op", op);
            c.put("key", e.getKey());
            c.set("before", old == null ? F.nullNode() : readTree(old));
            c.set("after", e.getValue() == null ? F.nullNode() : readTree(e.getValue()));
        }
        o.putObject("count").put("add", add).put("change", change).put("remove", remove);
        return o;
    }

    private static JsonNode readTree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            return F.textNode(json);
        }
    }

    private static String health(Map<String, HealthVerdict> health, Ipv4Address a) {
        HealthVerdict v = health.get(a.toString());
        return v == null ? "unknown" : v.verdict().name();
    }

    /** {@link #explain(long, DesiredState, Ipv4Address, Map, Map, Map)} without stream inventories. */
    public static ObjectNode explain(
            long generation,
            DesiredState s,
            Ipv4Address client,
            Map<String, HealthVerdict> health,
            Map<String, AgentStatus> agents) {
        return explain(generation, s, client, health, agents, Map.of());
    }

    /**
     * One server's stream inventory as the API shows it: {@code known}, and either {@code reason} or the
     * streams ({@code app/name}, publishing, viewers, outbound bit/s) with the server's total outbound bit/s and
     * when health-service read it.
     */
    public static ObjectNode streams(io.videolb.events.ServerStreams inv) {
        ObjectNode o = F.objectNode();
        o.put("known", inv.known());
        if (!inv.known()) o.put("reason", inv.reason());
        ArrayNode streams = o.putArray("streams");
        for (io.videolb.events.ServerStreams.Stream st : inv.streams()) {
            ObjectNode n = streams.addObject();
            n.put("stream", st.path());
            n.put("publishing", st.publishing());
            n.put("viewers", st.viewers());
            n.put("bwOutBitsPerSecond", st.bwOutBitsPerSecond());
        }
        o.put("bwOutBitsPerSecond", inv.bwOutBitsPerSecond());
        o.put("checkerId", inv.checkerId());
        o.put("observedAtMs", inv.observedAtMs());
        return o;
    }

    /** {@code GET /api/v1/inventory}: every server's stream inventory, keyed by address. */
    public static ObjectNode inventory(Map<String, io.videolb.events.ServerStreams> inventories) {
        ObjectNode o = F.objectNode();
        ObjectNode servers = o.putObject("servers");
        inventories.forEach((a, inv) -> servers.set(a, streams(inv)));
        return o;
    }

    /**
     * Where a client address goes: its mark (longest prefix, else the network's default), the pool and its servers
     * with health and, where health-service reads it, the streams each server carries.
     */
    public static ObjectNode explain(
            long generation,
            DesiredState s,
            Ipv4Address client,
            Map<String, HealthVerdict> health,
            Map<String, AgentStatus> agents,
            Map<String, io.videolb.events.ServerStreams> inventories) {
        ObjectNode o = F.objectNode();
        o.put("generation", generation);
        o.put("client", client.toString());
        Ipv4Network matched = null;
        for (int prefix = 32; prefix >= 1 && matched == null; prefix--) {
            int mask = prefix == 32 ? -1 : -1 << (32 - prefix);
            Ipv4Network n = new Ipv4Network(new Ipv4Address(client.bits() & mask), prefix);
            if (s.clients().containsKey(n)) matched = n;
        }
        Optional<Fwmark> mark = s.markFor(client);
        if (mark.isEmpty()) {
            o.put("steered", false);
            o.put(
                    "reason",
                    "outside the clients' network " + s.params().clientNetwork()
                            + " and in no client entry: not steered by videolb");
            return o;
        }
        o.put("steered", true);
        o.put("mark", mark.get().value());
        o.put(
                "matchedBy",
                matched != null
                        ? "client entry " + matched
                        : "default mark of the clients' network " + s.params().clientNetwork());
        Pool p = s.pools().get(mark.get());
        if (p == null) {
            o.put("reason", "mark " + mark.get() + " has no pool");
            return o;
        }
        ObjectNode pool = o.putObject("pool");
        pool.put("mark", p.mark().value());
        pool.put("scheduler", p.scheduler().ipvsName());
        pool.put("persistenceSeconds", s.params().persistenceSeconds());
        ArrayNode servers = pool.putArray("servers");
        for (RealServer rs : p.servers()) {
            ObjectNode n = servers.addObject();
            n.put("address", rs.address().toString());
            n.put("weight", rs.weight());
            n.put("health", health(health, rs.address()));
            io.videolb.events.ServerStreams inv = inventories.get(rs.address().toString());
            if (inv != null) n.set("streams", streams(inv));
            Ipv4Address backup = s.backups().get(rs.address());
            if (backup != null) {
                n.put("backup", backup.toString());
                n.put("backupHealth", health(health, backup));
                io.videolb.events.ServerStreams binv = inventories.get(backup.toString());
                if (binv != null) n.set("backupStreams", streams(binv));
            }
        }
        ArrayNode directors = o.putArray("directors");
        for (AgentStatus a : agents.values()) {
            for (AgentStatus.PoolStatus ps : a.pools()) {
                if (ps.mark() != p.mark().value()) continue;
                ObjectNode d = directors.addObject();
                d.put("director", a.director());
                d.set("inService", tree(ps.inService()));
                d.set("substitutions", tree(ps.substitutions()));
                d.set("refusedBackups", tree(ps.refusedBackups())); // failover gating: "A: backup B lacks stream S"
                d.put("panic", ps.panic());
                // load-fed weights (issue 16): per server its load, capacity, weight and why it is held
                if (!ps.loadWeights().isEmpty()) d.set("loadWeights", tree(ps.loadWeights()));
            }
        }
        o.put(
                "persistence",
                "IPVS picks the server on the client's first connection and keeps it for "
                        + s.params().persistenceSeconds()
                        + " s; which server holds it is known on each director: its agent's GET /persistence?client=IP,"
                        + " printed by `videolb explain IP` run there");
        return o;
    }

    /**
     * Adds {@code promoteParity} to each director of a {@link #status} that reports HA and does not hold the
     * VIP: the parity guard's figures and verdict for promoting it now, and a {@code waitsFor} line that says
     * concretely what the no-preemption rule waits for.
     */
    public static void promoteParity(
            ObjectNode status, PromoteParity rule, Map<String, AgentStatus> agents, long nowMs) {
        for (JsonNode d : status.path("directors")) {
            AgentStatus a = agents.get(d.path("director").asText());
            if (a == null || a.ha() == null || a.ha().holdsVip() || !(d instanceof ObjectNode n)) continue;
            PromoteParity.Verdict v = rule.check(a.director(), agents, nowMs);
            ObjectNode p = (ObjectNode) tree(v);
            p.put(
                    "waitsFor",
                    "no preemption (nopreempt): waiting for an operator's promote; " + v.figure()
                            + (v.allowed()
                                    ? ", a promote goes ahead"
                                    : "; a promote is refused without force: " + v.reason()));
            n.set("promoteParity", p);
        }
    }

    /** Per director: applied generation, drift, errors; per server of the desired state: health. */
    public static ObjectNode status(
            long generation,
            DesiredState s,
            Map<String, HealthVerdict> health,
            Map<String, CheckerStatus> checkers,
            Map<String, AgentStatus> agents) {
        ObjectNode o = F.objectNode();
        o.put("generation", generation);
        ArrayNode ds = o.putArray("directors");
        for (AgentStatus a : new TreeMap<>(agents).values()) {
            ObjectNode d = (ObjectNode) tree(a);
            d.put("inSync", a.appliedGeneration() == generation && a.ok());
            d.put("behind", Math.max(0, generation - a.appliedGeneration()));
            ds.add(d);
        }
        ObjectNode vip = o.putObject("vip");
        vip.set("holders", tree(io.videolb.events.SplitBrain.holders(agents.values())));
        List<String> split = io.videolb.events.SplitBrain.of(agents.values());
        vip.put("splitBrain", !split.isEmpty());
        vip.set("splitBrainDirectors", tree(split));
        Map<String, long[]> conns = new TreeMap<>();
        Map<String, TreeSet<String>> standsInFor = new TreeMap<>();
        for (AgentStatus ag : agents.values()) {
            for (AgentStatus.PoolStatus p : ag.pools()) {
                for (AgentStatus.ServerConnections c : p.connections()) {
                    String key = canonicalAddress(c.server());
                    if (key == null) continue; // not an address: an agent's bad record, seen under directors only
                    long[] sum = conns.computeIfAbsent(key, k -> new long[2]);
                    sum[0] += c.activeConns();
                    sum[1] += c.inactiveConns();
                }
                for (String sub : p.substitutions()) {
                    // "FAILED->BACKUP" with an optional " (hold-down)" / " (maintenance)" after it
                    int arrow = sub.indexOf("->");
                    if (arrow < 0) continue;
                    String failed = sub.substring(0, arrow).trim();
                    String rest = sub.substring(arrow + 2).trim();
                    int sp = rest.indexOf(' ');
                    String backup = sp < 0 ? rest : rest.substring(0, sp);
                    standsInFor.computeIfAbsent(backup, k -> new TreeSet<>()).add(failed);
                }
            }
        }
        TreeSet<Ipv4Address> servers = new TreeSet<>();
        if (s != null) {
            s.pools().values().forEach(p -> p.servers().forEach(rs -> servers.add(rs.address())));
            servers.addAll(s.backups().values());
        }
        // a server still in some director's kernel (a removed pool draining) is listed too
        conns.keySet().forEach(h -> servers.add(Ipv4Address.parse(h)));
        for (String h : health.keySet()) {
            try {
                servers.add(Ipv4Address.parse(h));
            } catch (IllegalArgumentException ignored) {
                // not an address key
            }
        }
        ArrayNode sv = o.putArray("servers");
        for (Ipv4Address a : servers) {
            ObjectNode n = sv.addObject();
            n.put("server", a.toString());
            long[] c = conns.get(a.toString());
            if (c != null) {
                // summed over the directors that report this server in a pool's service (issue 15)
                n.put("activeConns", c[0]);
                n.put("inactiveConns", c[1]);
            }
            TreeSet<String> stands = standsInFor.get(a.toString());
            if (stands != null) n.set("standingInFor", tree(new ArrayList<>(stands)));
            HealthVerdict v = health.get(a.toString());
            n.put("health", v == null ? "unknown" : v.verdict().name());
            if (v != null) {
                n.put("level", v.level().name());
                n.put("reason", v.reason());
                n.put("checker", v.checkerId());
                n.put("observedAtMs", v.observedAtMs());
            }
            if (s != null) {
                ArrayNode pools = n.putArray("pools");
                s.pools().values().stream()
                        .filter(p -> p.hasServer(a))
                        .forEach(p -> pools.add(p.mark().value()));
                Ipv4Address b = s.backups().get(a);
                if (b != null) n.put("backup", b.toString());
                ArrayNode backupOf = n.putArray("backupOf");
                s.backups().forEach((k, v2) -> {
                    if (v2.equals(a)) backupOf.add(k.toString());
                });
                io.videolb.model.Maintenance m = s.maintenance().get(a);
                if (m != null) n.set("maintenance", maintenance(m, agents, System.currentTimeMillis()));
            }
        }
        o.set("checkers", tree(new ArrayList<>(new TreeMap<>(checkers).values())));
        return o;
    }

    /** {@code text} as {@link Ipv4Address} prints it, or null when it is not an IPv4 address. */
    private static String canonicalAddress(String text) {
        try {
            return text == null ? null : Ipv4Address.parse(text).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A server in maintenance with its progress: {@code phase} "draining" while some director still holds it at
     * weight 0 (with the live connections it reports), else "out" (deleted from every director that reported);
     * {@code secondsLeft} to the deadline.
     */
    static ObjectNode maintenance(io.videolb.model.Maintenance m, Map<String, AgentStatus> agents, long nowMs) {
        ObjectNode o = (ObjectNode) tree(m);
        long active = 0, inactive = 0;
        boolean draining = false;
        for (AgentStatus a : agents.values()) {
            for (AgentStatus.DrainStatus d : a.drains()) {
                if (d.server().equals(m.server().toString()) && !d.pastDeadline()) {
                    draining = true;
                    active += d.activeConns();
                    inactive += d.inactiveConns();
                }
            }
        }
        o.put("phase", draining ? "draining" : "out");
        o.put("secondsLeft", Math.max(0, (m.deadlineAtMs() - nowMs + 999) / 1000));
        o.put("activeConns", active);
        o.put("inactiveConns", inactive);
        return o;
    }
}
