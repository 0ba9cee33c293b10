package io.videolb.config.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.videolb.json.Json;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ExitCode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The operator's verbs over the admin API, for the {@code videolb} launcher (picocli wiring is the
 * launcher's): {@code client set IP MARK}, {@code client rm IP}, {@code import DIR}, {@code status},
 * {@code explain IP}, {@code plan DIR} and {@code plan client set|rm ...}. Every method prints to
 * {@code out} (results) or {@code err} (errors, one per line, field named) and returns the exit code:
 * {@link ExitCode#OK}, {@link ExitCode#FAILED} (bad value, 4xx), {@link ExitCode#USAGE},
 * {@link ExitCode#API_UNAVAILABLE} (unreachable, 5xx).
 */
public final class CliVerbs {
    /** Largest CSV folder the CLI sends (the server has its own limit too). */
    public static final long MAX_IMPORT_BYTES = 64L * 1024 * 1024;

    private static final int WRITE_ATTEMPTS = 3;
    private static final List<String> FILES =
            List.of("param.csv", "client-list.csv", "fwmark-routing-list.csv", "realserver-backup-list.csv");

    private final AdminClient api;
    private final AgentClient agent;
    private final PrintStream out;
    private final PrintStream err;

    public CliVerbs(AdminClient api, PrintStream out, PrintStream err) {
        this(api, null, out, err);
    }

    /** @param agent the director's agent that {@link #explain} asks for persistence templates; null: not asked */
    public CliVerbs(AdminClient api, AgentClient agent, PrintStream out, PrintStream err) {
        this.api = api;
        this.agent = agent;
        this.out = out;
        this.err = err;
    }

    /** The same verbs, with {@code agent} asked by {@link #explain}. */
    public CliVerbs withAgent(AgentClient agent) {
        return new CliVerbs(api, agent, out, err);
    }

    /** {@code client set IP[/LEN] MARK}: moves a client (retries up to 3 times when someone else wrote in between). */
    public ExitCode clientSet(String client, String mark) {
        Ipv4Network n;
        Fwmark m;
        try {
            n = Ipv4Network.parse(client);
            m = Fwmark.parse(mark);
        } catch (IllegalArgumentException e) {
            err.println("videolb: " + e.getMessage());
            return ExitCode.FAILED;
        }
        ObjectNode body = Json.MAPPER.createObjectNode().put("mark", m.value());
        return write("PUT", clientPath(n), body.toString());
    }

    /** {@code client rm IP[/LEN]}. */
    public ExitCode clientRm(String client) {
        Ipv4Network n;
        try {
            n = Ipv4Network.parse(client);
        } catch (IllegalArgumentException e) {
            err.println("videolb: client: " + e.getMessage());
            return ExitCode.FAILED;
        }
        return write("DELETE", clientPath(n), null);
    }

    /** {@code import DIR}: publishes the four CSV files of DIR as one generation. */
    public ExitCode importDir(Path dir) {
        return importDir(dir, false);
    }

    /** As {@link #importDir(Path)}; {@code force}: also when the files would remove most client entries. */
    public ExitCode importDir(Path dir, boolean force) {
        String body;
        try {
            body = filesBody(dir, force);
        } catch (IOException | IllegalArgumentException e) {
            err.println("videolb: " + e.getMessage());
            return ExitCode.FAILED;
        }
        return write("POST", "/api/v1/import", body);
    }

    /** {@code plan DIR}: what importing DIR would change in the desired state. */
    public ExitCode planDir(Path dir) {
        try {
            return plan(filesBody(dir));
        } catch (IOException | IllegalArgumentException e) {
            err.println("videolb: " + e.getMessage());
            return ExitCode.FAILED;
        }
    }

    /** {@code plan client set IP MARK} or {@code plan client rm IP}. */
    public ExitCode planChange(List<String> words) {
        ObjectNode change = Json.MAPPER.createObjectNode();
        if (words.size() == 4 && words.get(0).equals("client") && words.get(1).equals("set")) {
            change.put("op", "client.set").put("client", words.get(2)).put("mark", words.get(3));
        } else if (words.size() == 3
                && words.get(0).equals("client")
                && words.get(1).equals("rm")) {
            change.put("op", "client.rm").put("client", words.get(2));
        } else {
            err.println("usage: videolb plan DIR | videolb plan client set IP MARK | videolb plan client rm IP");
            return ExitCode.USAGE;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("change", change);
        return plan(body.toString());
    }

    private ExitCode plan(String body) {
        AdminClient.Response r;
        try {
            r = api.send("POST", "/api/v1/plan", body, null);
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        printPlan(tree(r.body()));
        return ExitCode.OK;
    }

    /** {@code status}: desired generation, each director's applied generation and errors, each server's health. */
    public ExitCode status() {
        AdminClient.Response r;
        try {
            r = api.get("/api/v1/status");
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        JsonNode s = tree(r.body());
        long g = s.path("generation").asLong();
        out.println("desired generation " + g);
        if (s.path("directors").size() == 0) out.println("directors: none reporting");
        for (JsonNode d : s.path("directors")) {
            out.println("director " + d.path("director").asText() + " ("
                    + d.path("mode").asText() + "): applied "
                    + d.path("appliedGeneration").asLong()
                    + (d.path("inSync").asBoolean() ? ", in sync" : ", NOT in sync")
                    + ", drift repaired " + d.path("driftRepairedTotal").asLong());
            JsonNode ha = d.path("ha");
            if (ha.isObject()) {
                out.println("  vrrp " + ha.path("vrrpState").asText()
                        + (ha.path("holdsVip").asBoolean() ? " (holds the VIP)" : "")
                        + ", peer " + ha.path("peer").asText()
                        + ", sync " + ha.path("syncRole").asText()
                        + ", connections " + ha.path("connections").asLong()
                        + (ha.path("lastTakeoverAtMs").asLong() > 0
                                ? ", last takeover at "
                                        + java.time.Instant.ofEpochMilli(
                                                ha.path("lastTakeoverAtMs").asLong())
                                        + " (" + ha.path("lastTakeoverReason").asText() + ")"
                                : ""));
                String waits = ha.path("preemptBlockedBy").asText("");
                if (!waits.isEmpty()) out.println("  waits: " + waits);
                JsonNode parity = d.path("promoteParity");
                if (parity.isObject())
                    out.println("  promote: " + parity.path("waitsFor").asText());
            }
            for (JsonNode e : d.path("errors")) out.println("  error: " + e.asText());
            for (JsonNode p : d.path("pools")) {
                // failover gating: a backup passed over, and why
                for (JsonNode why : p.path("refusedBackups"))
                    out.println("  pool " + p.path("mark").asLong() + ": " + why.asText());
                // load-fed weights (issue 16): what each server carries and the weight the agent gave it
                for (JsonNode w : p.path("loadWeights"))
                    out.println(loadWeightLine(p.path("mark").asLong(), w));
            }
        }
        JsonNode vip = s.path("vip");
        if (vip.path("splitBrain").asBoolean()) {
            List<String> who = new java.util.ArrayList<>();
            vip.path("splitBrainDirectors").forEach(n -> who.add(n.asText()));
            out.println("SPLIT BRAIN: " + String.join(" and ", who) + " both hold the VIP");
        }
        for (JsonNode sv : s.path("servers")) {
            out.println("server " + sv.path("server").asText() + " "
                    + sv.path("health").asText()
                    + (sv.hasNonNull("reason") && !sv.path("reason").asText().isEmpty()
                            ? " (" + sv.path("reason").asText() + ")"
                            : "")
                    + maintenanceText(sv.path("maintenance")));
        }
        return ExitCode.OK;
    }

    /**
     * One load-fed weight of {@code videolb status}, e.g. {@code   pool 20: 192.0.2.12 weight 50 from viewers 3 of
     * capacity 6 (target 50; changed from 100)}.
     */
    static String loadWeightLine(long mark, JsonNode w) {
        String note = w.path("note").asText("");
        int weight = w.path("weight").asInt();
        int target = w.path("target").asInt();
        return "  pool " + mark + ": " + w.path("server").asText() + " weight " + weight + " from "
                + w.path("basis").asText() + " " + w.path("load").asLong() + " of capacity "
                + w.path("capacity").asLong() + " (target " + target + (note.isEmpty() ? "" : "; " + note) + ")";
    }

    /** {@code director promote NAME}: the VIP moves to NAME without preemption (its peer yields). */
    public ExitCode promote(String name) {
        return promote(name, false);
    }

    /**
     * {@code director promote NAME [--force]}: as {@link #promote(String)}; {@code force} moves the VIP even when
     * NAME's connection table does not cover the holder's (the parity guard refuses otherwise).
     */
    public ExitCode promote(String name, boolean force) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
            err.println("videolb: NAME: must be a director id (1..63 of A-Z a-z 0-9 . _ -)");
            return ExitCode.USAGE;
        }
        AdminClient.Response r;
        try {
            r = api.send("POST", "/api/v1/directors/" + name + "/promote", force ? "{\"force\":true}" : null, null);
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        out.println(tree(r.body()).path("message").asText());
        return ExitCode.OK;
    }

    /**
     * {@code explain IP}: the client's mark, pool and servers with health (admin API), then which server
     * holds its persistence (the director's agent, if one was given). The exit code is the API's: an
     * agent that cannot be reached gives one "persistence: unknown" line.
     */
    public ExitCode explain(String ip) {
        Ipv4Address client;
        try {
            client = Ipv4Address.parse(ip);
        } catch (IllegalArgumentException e) {
            err.println("videolb: client: " + e.getMessage());
            return ExitCode.FAILED;
        }
        AdminClient.Response r;
        try {
            r = api.get("/api/v1/explain?client=" + client);
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        JsonNode x = tree(r.body());
        if (!x.path("steered").asBoolean()) {
            out.println(ip + ": " + x.path("reason").asText());
            return ExitCode.OK;
        }
        out.println(ip + ": mark " + x.path("mark").asLong() + " ("
                + x.path("matchedBy").asText() + ")");
        JsonNode pool = x.path("pool");
        out.println("pool " + pool.path("mark").asLong() + ", scheduler "
                + pool.path("scheduler").asText() + ", persistence "
                + pool.path("persistenceSeconds").asInt() + " s");
        for (JsonNode sv : pool.path("servers")) {
            out.println("  server " + sv.path("address").asText() + " weight "
                    + sv.path("weight").asInt() + " " + sv.path("health").asText()
                    + (sv.has("backup")
                            ? ", backup " + sv.path("backup").asText() + " "
                                    + sv.path("backupHealth").asText()
                            : ""));
            if (sv.has("streams")) out.println("    carries " + carries(sv.path("streams")));
            if (sv.has("backupStreams")) out.println("    backup carries " + carries(sv.path("backupStreams")));
        }
        for (JsonNode d : x.path("directors")) // failover gating: a backup passed over, and why
        for (JsonNode why : d.path("refusedBackups"))
                out.println("  director " + d.path("director").asText() + ": " + why.asText());
        // the API can only say where the holder is known; the director's agent says which server it is
        if (agent == null) out.println(x.path("persistence").asText());
        else PersistenceLines.of(agent, client).forEach(out::println);
        return ExitCode.OK;
    }

    /** A server's streams as one line: "live/cam1 (publishing, 3 viewers), ..." or "unknown streams: REASON". */
    static String carries(JsonNode inv) {
        if (!inv.path("known").asBoolean())
            return "unknown streams: " + printableReason(inv.path("reason").asText());
        List<String> parts = new ArrayList<>();
        for (JsonNode st : inv.path("streams"))
            parts.add(printable(st.path("stream").asText()) + " ("
                    + (st.path("publishing").asBoolean() ? "publishing, " : "not publishing, ")
                    + st.path("viewers").asInt() + (st.path("viewers").asInt() == 1 ? " viewer)" : " viewers)"));
        return parts.isEmpty() ? "no streams" : String.join(", ", parts);
    }

    // ---- maintenance, history, rollback, export (issue 15)

    /**
     * A drain deadline as the CLI takes it: whole seconds, or a number with {@code s}, {@code m} or {@code h}
     * ("90", "90s", "10m", "1h"); 0..86400 s.
     *
     * @throws IllegalArgumentException naming the option and the accepted forms
     */
    public static long deadlineSeconds(String text) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("([0-9]{1,6})([smh]?)").matcher(text == null ? "" : text.strip());
        if (!m.matches())
            throw new IllegalArgumentException(
                    "--deadline: must be a duration like 90s, 10m or 1h (0..24h), got '" + printable(text) + "'");
        long n = Long.parseLong(m.group(1));
        long sec = switch (m.group(2)) {
            case "m" -> n * 60;
            case "h" -> n * 3600;
            default -> n;
        };
        if (sec > 86_400) throw new IllegalArgumentException("--deadline: at most 24h, got " + text);
        return sec;
    }

    private static String printableReason(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    private static String printable(String s) {
        if (s == null) return "";
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(40).forEach(c -> b.append(Character.isISOControl(c) ? '?' : (char) c));
        return b.toString();
    }

    /** {@code server drain IP [--deadline D]}: maintenance: weight 0, out of rotation when idle or at the deadline. */
    public ExitCode serverDrain(String server, String deadline) {
        Ipv4Address a;
        long sec;
        try {
            a = Ipv4Address.parse(server);
            sec = deadline == null ? 600 : deadlineSeconds(deadline);
        } catch (IllegalArgumentException e) {
            err.println("videolb: " + e.getMessage());
            return ExitCode.FAILED;
        }
        return write(
                "POST",
                "/api/v1/servers/" + a + "/drain",
                Json.MAPPER.createObjectNode().put("deadlineSeconds", sec).toString());
    }

    /** {@code server enable IP}: out of maintenance, back in rotation with its configured weight. */
    public ExitCode serverEnable(String server) {
        Ipv4Address a;
        try {
            a = Ipv4Address.parse(server);
        } catch (IllegalArgumentException e) {
            err.println("videolb: " + e.getMessage());
            return ExitCode.FAILED;
        }
        return write("POST", "/api/v1/servers/" + a + "/enable", null);
    }

    /** {@code history [--limit N]}: the generations the history holds, newest first. */
    public ExitCode history(int limit) {
        AdminClient.Response r;
        try {
            r = api.get("/api/v1/generations?limit=" + Math.max(1, Math.min(1000, limit)));
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        JsonNode h = tree(r.body());
        out.println("current generation " + h.path("current").asLong() + "; "
                + h.path("held").asInt() + " generation(s) in the history");
        for (JsonNode g : h.path("generations")) {
            out.println(String.format(
                    java.util.Locale.ROOT,
                    "%6d  %s  %-24s %-16s %d change(s), %d entities",
                    g.path("generation").asLong(),
                    java.time.Instant.ofEpochMilli(g.path("publishedAtMs").asLong()),
                    g.path("source").asText(),
                    g.path("actor").asText(),
                    g.path("changes").asInt(),
                    g.path("entities").asInt()));
        }
        return ExitCode.OK;
    }

    /**
     * {@code rollback N [--yes]}: prints the plan (what would change from the current generation), asks (unless
     * {@code yes}) and applies it with the plan's generation as If-Match, so nothing published since is overwritten.
     *
     * @param confirm the operator's answer source (stdin); null with {@code yes}
     */
    public ExitCode rollback(long generation, boolean yes, java.io.BufferedReader confirm) {
        if (generation < 1) {
            err.println("videolb: N: must be a generation number >= 1");
            return ExitCode.USAGE;
        }
        try {
            String req =
                    Json.MAPPER.createObjectNode().put("generation", generation).toString();
            AdminClient.Response p = api.send("POST", "/api/v1/rollback", req, null);
            if (!p.ok()) return refused(p);
            JsonNode plan = tree(p.body());
            printPlan(plan);
            JsonNode c = plan.path("count");
            if (c.path("add").asInt()
                            + c.path("change").asInt()
                            + c.path("remove").asInt()
                    == 0) {
                out.println("nothing to roll back: generation "
                        + plan.path("generation").asLong() + " already has the state of generation " + generation);
                return ExitCode.OK;
            }
            if (!yes) {
                out.print("apply the rollback to generation " + generation + "? [y/N] ");
                out.flush();
                String answer = confirm == null ? null : confirm.readLine();
                if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
                    out.println("not applied");
                    return ExitCode.FAILED;
                }
            }
            String apply = Json.MAPPER
                    .createObjectNode()
                    .put("generation", generation)
                    .put("apply", true)
                    .toString();
            AdminClient.Response r = api.send(
                    "POST",
                    "/api/v1/rollback",
                    apply,
                    plan.path("apply").path("ifMatch").asText());
            if (r.status() == 412) {
                err.println("videolb: the desired state changed since the plan (generation "
                        + plan.path("generation").asLong() + "): nothing applied; run the rollback again");
                return ExitCode.FAILED;
            }
            if (!r.ok()) return refused(r);
            JsonNode res = tree(r.body());
            out.println(res.path("summary").asText() + ": published generation "
                    + res.path("generation").asLong());
            return ExitCode.OK;
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
    }

    /**
     * {@code export DIR}: writes the four CSV files that reproduce the current desired state (maintenance is not
     * in them: it is kept across imports) into DIR (created if missing; each file replaced whole).
     */
    public ExitCode export(Path dir) {
        AdminClient.Response r;
        try {
            r = api.get("/api/v1/export");
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
        if (!r.ok()) return refused(r);
        JsonNode x = tree(r.body());
        try {
            Files.createDirectories(dir);
            for (String f : FILES) {
                JsonNode text = x.path("files").path(f);
                if (!text.isTextual()) {
                    err.println("videolb: the export has no " + f);
                    return ExitCode.FAILED;
                }
                // the client list is personal data: not world-readable; no link followed (one safe writer)
                io.videolb.runtime.files.SafeFiles.write(
                        dir.resolve(f), text.asText(), io.videolb.runtime.files.SafeFiles.Mode.PRIVATE);
            }
        } catch (IOException e) {
            err.println("videolb: cannot write " + dir + ": " + e.getMessage());
            return ExitCode.FAILED;
        }
        out.println("generation " + x.path("generation").asLong() + " written to " + dir + " ("
                + String.join(", ", FILES) + ")");
        return ExitCode.OK;
    }

    private void printPlan(JsonNode p) {
        JsonNode c = p.path("count");
        out.println("plan against generation " + p.path("generation").asLong() + ": "
                + c.path("add").asInt() + " to add, " + c.path("change").asInt() + " to change, "
                + c.path("remove").asInt() + " to remove");
        for (JsonNode ch : p.path("changes")) {
            String op = ch.path("op").asText();
            String sign = op.equals("add") ? "+" : op.equals("remove") ? "-" : "~";
            out.println(
                    "  " + sign + " " + ch.path("key").asText() + (op.equals("remove") ? "" : " " + ch.path("after")));
        }
    }

    private static String maintenanceText(JsonNode m) {
        if (!m.isObject()) return "";
        return ", MAINTENANCE "
                + ("draining".equals(m.path("phase").asText())
                        ? "draining (" + m.path("activeConns").asLong() + " active connection(s), "
                                + m.path("secondsLeft").asLong() + " s to the deadline)"
                        : "out of rotation")
                + " by " + m.path("by").asText();
    }

    // ---- helpers

    private ExitCode write(String method, String path, String body) {
        try {
            for (int attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
                AdminClient.Response g = api.get("/api/v1/generation");
                if (!g.ok()) return refused(g);
                String etag =
                        g.etag().orElse("\"" + tree(g.body()).path("generation").asLong() + "\"");
                AdminClient.Response r = api.send(method, path, body, etag);
                if (r.status() == 412 && attempt < WRITE_ATTEMPTS) continue;
                if (!r.ok()) return refused(r);
                JsonNode res = tree(r.body());
                long published = res.path("generation").asLong();
                if (res.path("changes").asInt() > 0) {
                    out.println(res.path("summary").asText() + ": published generation " + published);
                } else if (published > tree(g.body()).path("generation").asLong()) {
                    // an import of files equal to the state: recorded as the last imported files (a marker-only
                    // generation)
                    out.println("no record changed; recorded as the last imported files: generation " + published);
                } else {
                    out.println("unchanged (generation " + published + ")");
                }
                return ExitCode.OK;
            }
            return ExitCode.FAILED;
        } catch (IOException | InterruptedException e) {
            return unreachable(e);
        }
    }

    private ExitCode unreachable(Exception e) {
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
        err.println("videolb: cannot reach the admin API: "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        return ExitCode.API_UNAVAILABLE;
    }

    private ExitCode refused(AdminClient.Response r) {
        JsonNode e = tree(r.body());
        String msg = e.path("message").asText("HTTP " + r.status());
        err.println("videolb: " + msg + " (HTTP " + r.status() + ")");
        for (JsonNode p : e.path("problems")) {
            String where = p.path("source").asText()
                    + (p.path("line").asInt() > 0 ? ":" + p.path("line").asInt() : "");
            err.println("  " + where + ": " + p.path("field").asText() + ": "
                    + p.path("message").asText());
        }
        return r.status() >= 500 ? ExitCode.API_UNAVAILABLE : ExitCode.FAILED;
    }

    private static JsonNode tree(String body) {
        try {
            return Json.MAPPER.readTree(body == null || body.isEmpty() ? "{}" : body);
        } catch (IOException e) {
            return Json.MAPPER.createObjectNode();
        }
    }

    private static String clientPath(Ipv4Network n) {
        return "/api/v1/clients/" + (n.isHost() ? n.address().toString() : n.address() + "/" + n.prefix());
    }

    private static String filesBody(Path dir) throws IOException {
        return filesBody(dir, false);
    }

    private static String filesBody(Path dir, boolean force) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a directory");
        ObjectNode files = Json.MAPPER.createObjectNode();
        long total = 0;
        for (String f : FILES) {
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException(p + " is missing");
            total += Files.size(p);
            if (total > MAX_IMPORT_BYTES)
                throw new IllegalArgumentException("the CSV files exceed " + MAX_IMPORT_BYTES + " bytes");
            files.put(f, Files.readString(p, StandardCharsets.UTF_8));
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.set("files", files);
        if (force) body.put("force", true);
        return body.toString();
    }
}
