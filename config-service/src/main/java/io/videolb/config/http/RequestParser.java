package io.videolb.config.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.videolb.config.csv.CsvFiles;
import io.videolb.config.desired.StateEdit;
import io.videolb.json.Json;
import io.videolb.model.ClusterParams;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.MailAddress;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns request bodies and path segments into typed {@link StateEdit}s with the same strict parsers
 * the CSV reader uses (Ipv4Address, Ipv4Network, Fwmark, Scheduler, MailAddress, weights). Every
 * refusal is an {@link ApiException} that names the field; unknown fields, duplicate keys, wrong
 * JSON types and control characters are refused, never dropped or passed on.
 */
final class RequestParser {
    /** Most servers one pool may list (ipvsadm has no hard limit; this bounds a hostile body). */
    public static final int MAX_SERVERS = 1024;

    public static final int MAX_MAIL = 32;
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9_.\\[\\]-]{1,64}");
    private static final ObjectReader READER = Json.MAPPER.reader().with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private RequestParser() {}

    /** Parses a JSON object body; 400 naming {@code body} when it is not one. */
    public static JsonNode object(String body) {
        if (body == null || body.isBlank()) throw ApiException.badField("body", "is empty (want a JSON object)");
        JsonNode n;
        try {
            n = READER.readTree(body);
        } catch (Exception e) {
            throw ApiException.badField("body", "is not valid JSON" + reason(e));
        }
        if (n == null || !n.isObject()) throw ApiException.badField("body", "must be a JSON object");
        return n;
    }

    private static String reason(Exception e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getOriginalMessage() != null) {
            String m = j.getOriginalMessage();
            if (m.contains("Duplicate field")) return " (a field is given twice)";
            if (m.length() > 120) m = m.substring(0, 120);
            return " (" + printable(m) + ")";
        }
        return "";
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? '?' : c);
        }
        return b.toString();
    }

    /** Refuses any field of {@code obj} outside {@code allowed}, naming it. */
    public static void onlyFields(JsonNode obj, String where, Set<String> allowed) {
        Iterator<String> names = obj.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!allowed.contains(n)) {
                String shown = SAFE_NAME.matcher(n).matches() ? n : "(a field with unusual characters)";
                throw ApiException.badField(
                        where.isEmpty() ? shown : where + "." + shown,
                        "unknown field (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    /** A required scalar field as text: a JSON string, or an integer written in decimal. */
    public static String text(JsonNode obj, String field, String shownAs) {
        JsonNode v = obj.get(field);
        if (v == null || v.isNull()) throw ApiException.badField(shownAs, "is required");
        if (v.isTextual()) return v.textValue();
        if (v.isIntegralNumber()) return v.bigIntegerValue().toString();
        throw ApiException.badField(shownAs, "must be a string" + (v.isNumber() ? " or an integer" : ""));
    }

    /** Parses {@code raw} with a typed parser; its InvalidValueException becomes a 400 naming the field. */
    public static <T> T parse(String raw, String field, Function<String, T> parser) {
        try {
            return parser.apply(raw);
        } catch (IllegalArgumentException e) {
            throw ApiException.badField(field, printable(e.getMessage() == null ? "is invalid" : e.getMessage()));
        }
    }

    public static Ipv4Network client(String ip, String len) {
        String raw = len == null ? ip : ip + "/" + len;
        return parse(raw, "client", Ipv4Network::parse);
    }

    public static Fwmark mark(String raw, String field) {
        return parse(raw, field, Fwmark::parse);
    }

    public static Ipv4Address address(String raw, String field) {
        return parse(raw, field, Ipv4Address::parse);
    }

    /** PUT /clients/{ip}: {@code {"mark": 20}}. */
    public static StateEdit.SetClient setClient(Ipv4Network client, JsonNode body) {
        onlyFields(body, "", Set.of("mark", "client"));
        if (body.has("client")) {
            Ipv4Network named = parse(text(body, "client", "client"), "client", Ipv4Network::parse);
            if (!named.equals(client))
                throw ApiException.badField("client", "differs from the client in the path (" + client + ")");
        }
        return new StateEdit.SetClient(client, mark(text(body, "mark", "mark"), "mark"));
    }

    /** PUT /pools/{mark}: {@code {"scheduler":"wlc","servers":[{"address":"192.0.2.12","weight":1}, "192.0.2.13"]}}. */
    public static StateEdit.SetPool setPool(Fwmark mark, JsonNode body) {
        onlyFields(body, "", Set.of("scheduler", "servers", "mark"));
        if (body.has("mark") && !mark(text(body, "mark", "mark"), "mark").equals(mark)) {
            throw ApiException.badField("mark", "differs from the mark in the path (" + mark + ")");
        }
        Scheduler sch = parse(text(body, "scheduler", "scheduler"), "scheduler", Scheduler::parse);
        JsonNode servers = body.get("servers");
        if (servers == null || !servers.isArray())
            throw ApiException.badField("servers", "is required (a list of servers)");
        if (servers.size() == 0) throw ApiException.badField("servers", "must list at least one server");
        if (servers.size() > MAX_SERVERS)
            throw ApiException.badField("servers", "lists more than " + MAX_SERVERS + " servers");
        List<RealServer> list = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            JsonNode s = servers.get(i);
            String at = "servers[" + i + "]";
            if (s.isTextual()) {
                list.add(RealServer.of(address(s.textValue(), at)));
            } else if (s.isObject()) {
                onlyFields(s, at, Set.of("address", "weight"));
                Ipv4Address a = address(text(s, "address", at + ".address"), at + ".address");
                int w = s.has("weight")
                        ? parse(text(s, "weight", at + ".weight"), at + ".weight", RealServer::parseWeight)
                        : RealServer.DEFAULT_WEIGHT;
                list.add(new RealServer(a, w));
            } else {
                throw ApiException.badField(at, "must be an address string or {\"address\":..,\"weight\":..}");
            }
        }
        return new StateEdit.SetPool(new Pool(mark, sch, list));
    }

    /** PUT /backups/{ip}: {@code {"backup":"192.0.2.21"}}. */
    public static StateEdit.SetBackup setBackup(Ipv4Address server, JsonNode body) {
        onlyFields(body, "", Set.of("backup", "server"));
        if (body.has("server")
                && !address(text(body, "server", "server"), "server").equals(server)) {
            throw ApiException.badField("server", "differs from the server in the path (" + server + ")");
        }
        return new StateEdit.SetBackup(server, address(text(body, "backup", "backup"), "backup"));
    }

    /** PUT /params: every field of the parameters (a full replacement). */
    public static StateEdit.SetParams setParams(JsonNode body) {
        onlyFields(
                body,
                "",
                Set.of("vip", "clientNetwork", "mailTo", "persistenceSeconds", "defaultMark", "defaultScheduler"));
        Ipv4Address vip = address(text(body, "vip", "vip"), "vip");
        Ipv4Network net = parse(
                text(body, "clientNetwork", "clientNetwork"),
                "clientNetwork",
                t -> Ipv4Network.parseWithDefaultPrefix(t, 24));
        JsonNode mails = body.get("mailTo");
        List<MailAddress> mailTo = new ArrayList<>();
        if (mails != null && !mails.isNull()) {
            if (!mails.isArray()) throw ApiException.badField("mailTo", "must be a list of mail addresses");
            if (mails.size() > MAX_MAIL)
                throw ApiException.badField("mailTo", "lists more than " + MAX_MAIL + " addresses");
            for (int i = 0; i < mails.size(); i++) {
                JsonNode m = mails.get(i);
                String at = "mailTo[" + i + "]";
                if (!m.isTextual()) throw ApiException.badField(at, "must be a string");
                mailTo.add(parse(m.textValue(), at, MailAddress::parse));
            }
        }
        int persistence = parse(
                text(body, "persistenceSeconds", "persistenceSeconds"),
                "persistenceSeconds",
                ClusterParams::parsePersistence);
        Fwmark def = mark(text(body, "defaultMark", "defaultMark"), "defaultMark");
        Scheduler sch = body.has("defaultScheduler")
                ? parse(text(body, "defaultScheduler", "defaultScheduler"), "defaultScheduler", Scheduler::parse)
                : Scheduler.WLC;
        try {
            return new StateEdit.SetParams(new ClusterParams(vip, net, mailTo, persistence, def, sch));
        } catch (IllegalArgumentException e) {
            throw ApiException.badField("params", printable(e.getMessage()));
        }
    }

    /**
     * An edit written as one object (the {@code change} field of a plan), for {@code plan} and the CLI:
     * {@code {"op":"client.set","client":"203.0.113.21","mark":20}}, {@code client.rm},
     * {@code pool.set} (mark, scheduler, servers), {@code pool.rm}, {@code backup.set} (server, backup),
     * {@code backup.rm}, {@code params.set}.
     */
    public static StateEdit edit(JsonNode c) {
        if (c == null || !c.isObject()) throw ApiException.badField("change", "must be a JSON object with an op");
        String op = text(c, "op", "change.op");
        ObjectCopy rest = new ObjectCopy(c);
        switch (op) {
            case "client.set": {
                Ipv4Network client = parse(text(c, "client", "client"), "client", Ipv4Network::parse);
                return setClient(client, rest.without("op"));
            }
            case "client.rm": {
                onlyFields(c, "", Set.of("op", "client"));
                return new StateEdit.RemoveClient(parse(text(c, "client", "client"), "client", Ipv4Network::parse));
            }
            case "pool.set":
                return setPool(mark(text(c, "mark", "mark"), "mark"), rest.without("op"));
            case "pool.rm":
                onlyFields(c, "", Set.of("op", "mark"));
                return new StateEdit.RemovePool(mark(text(c, "mark", "mark"), "mark"));
            case "backup.set":
                return setBackup(address(text(c, "server", "server"), "server"), rest.without("op"));
            case "backup.rm":
                onlyFields(c, "", Set.of("op", "server"));
                return new StateEdit.RemoveBackup(address(text(c, "server", "server"), "server"));
            case "params.set":
                return setParams(rest.without("op"));
            default:
                throw ApiException.badField(
                        "change.op",
                        "unknown op (client.set client.rm pool.set pool.rm backup.set backup.rm params.set)");
        }
    }

    /** {@code {"files": {"param.csv": "...", ...}}}: the four CSV files by name, nothing else. */
    public static Map<String, String> files(JsonNode body, int maxChars) {
        JsonNode files = body.get("files");
        if (files == null || !files.isObject())
            throw ApiException.badField("files", "is required (an object of file name -> CSV text)");
        onlyFields(files, "files", Set.copyOf(CsvFiles.NAMES));
        Map<String, String> out = new LinkedHashMap<>();
        long total = 0;
        for (String name : CsvFiles.NAMES) {
            JsonNode v = files.get(name);
            if (v == null || v.isNull()) throw ApiException.badField("files." + name, "is required");
            if (!v.isTextual()) throw ApiException.badField("files." + name, "must be the file's text");
            total += v.textValue().length();
            if (total > maxChars)
                throw ApiException.of(413, "too_large", "the CSV files exceed " + maxChars + " characters");
            out.put(name, v.textValue());
        }
        return out;
    }

    /** A shallow view of an object without some fields. */
    private record ObjectCopy(JsonNode source) {
        JsonNode without(String... fields) {
            com.fasterxml.jackson.databind.node.ObjectNode o =
                    ((com.fasterxml.jackson.databind.node.ObjectNode) source).deepCopy();
            for (String f : fields) o.remove(f);
            return o;
        }
    }
}
