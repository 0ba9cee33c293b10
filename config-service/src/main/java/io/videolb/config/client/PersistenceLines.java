package io.videolb.config.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.json.Json;
import io.videolb.model.FieldText;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code persistence:} lines of {@code videolb explain}, from the director agent's
 * {@code GET /persistence} answer. Every value printed is parsed first (address, fwmark, seconds,
 * state word); an answer that does not parse, or an agent that cannot be reached, gives one
 * {@code persistence: unknown (...)} line.
 */
final class PersistenceLines {
    private static final int MAX_REASON = 200;

    private PersistenceLines() {}

    static List<String> of(AgentClient agent, Ipv4Address client) {
        AgentClient.Response r;
        try {
            r = agent.persistence(client);
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return List.of("persistence: unknown (no agent at " + agent.base() + ": "
                    + FieldText.escape(why, MAX_REASON) + ")");
        }
        if (r.status() != 200) {
            String text = r.body().strip();
            String why = text.isEmpty() || text.startsWith("{")
                    ? "HTTP " + r.status()
                    : FieldText.escape(text, MAX_REASON) + " (HTTP " + r.status() + ")";
            return List.of("persistence: unknown (agent at " + agent.base() + ": " + why + ")");
        }
        try {
            return fromJson(Json.MAPPER.readTree(r.body()), client);
        } catch (IOException | IllegalArgumentException e) {
            return List.of("persistence: unknown (agent at " + agent.base() + ": unreadable answer)");
        }
    }

    private static List<String> fromJson(JsonNode a, Ipv4Address client) {
        if (!a.path("templates").isArray() || !a.path("connections").isArray())
            throw new IllegalArgumentException("not a persistence answer");
        List<String> out = new ArrayList<>();
        for (JsonNode t : a.path("templates")) {
            Ipv4Address server = Ipv4Address.parse(t.path("server").asText());
            Fwmark mark = new Fwmark(number(t, "fwmark"));
            long expires = number(t, "expiresSeconds");
            Ipv4Address from =
                    t.hasNonNull("from") ? Ipv4Address.parse(t.path("from").asText()) : client;
            out.add("persistence: held by " + server + " in pool " + mark.value()
                    + (from.equals(client) ? "" : " for its network " + from + " (persistence netmask)")
                    + " (expires in " + expires + " s)");
        }
        if (out.isEmpty()) out.add("persistence: no template (the next connection picks a server)");
        Map<String, Integer> states = new TreeMap<>();
        for (JsonNode c : a.path("connections")) {
            String state = c.path("state").asText();
            if (!state.matches("[A-Z][A-Z_]{0,15}")) throw new IllegalArgumentException("state");
            states.merge(state, 1, Integer::sum);
        }
        long omitted = a.path("connectionsOmitted").asLong(0);
        long total = a.path("connections").size() + Math.max(0, omitted);
        if (total > 0) {
            StringBuilder sb = new StringBuilder("connections: " + total + " (");
            states.forEach((s, n) -> sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ")
                    .append(n)
                    .append(' ')
                    .append(s));
            if (omitted > 0) sb.append(", ").append(omitted).append(" more not listed");
            out.add(sb.append(')').toString());
        }
        if (!a.path("complete").asBoolean(true))
            out.add("persistence: the agent read only part of its connection table (it is very large)");
        return out;
    }

    private static long number(JsonNode n, String field) {
        JsonNode v = n.path(field);
        if (!v.isIntegralNumber() || v.asLong() < 0) throw new IllegalArgumentException(field);
        return v.asLong();
    }
}
