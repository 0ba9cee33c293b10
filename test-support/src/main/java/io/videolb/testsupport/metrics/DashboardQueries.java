package io.videolb.testsupport.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of a Grafana dashboard (every {@code expr} of a panel target and every templating query) and the metric
 * names it reads, to check them against what a real scrape exposes: a query naming a metric no service exposes shows
 * an empty panel forever, which no one notices until they need it.
 */
public final class DashboardQueries {
    private DashboardQueries() {}

    /** One query: where it is (panel title or templating variable) and its text. */
    public record Query(String where, String expr) {}

    /** Every query of the dashboard JSON, in document order. */
    public static List<Query> queries(String dashboardJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(dashboardJson);
        } catch (IOException e) {
            throw new UncheckedIOException("dashboard JSON: " + e.getMessage(), e);
        }
        List<Query> out = new ArrayList<>();
        collect(root, "dashboard", out);
        return out;
    }

    private static void collect(JsonNode n, String where, List<Query> out) {
        if (n.isArray()) {
            for (JsonNode c : n) collect(c, where, out);
            return;
        }
        if (!n.isObject()) return;
        String here = where;
        if (n.hasNonNull("title") && n.get("title").isTextual() && n.has("type"))
            here = "panel '" + n.get("title").asText() + "'";
        boolean variable = n.hasNonNull("name") && n.has("query") && n.hasNonNull("type");
        if (variable) here = "variable $" + n.get("name").asText();
        if (n.hasNonNull("expr") && n.get("expr").isTextual())
            out.add(new Query(here, n.get("expr").asText()));
        if (variable && n.get("type").asText().equals("query")) {
            JsonNode q = n.get("query");
            String text = q.isTextual() ? q.asText() : q.path("query").asText("");
            if (!text.isBlank()) out.add(new Query(here, text));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("expr") && !(variable && e.getKey().equals("query")))
                collect(e.getValue(), here, out);
        }
    }

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$[A-Za-z0-9_]+|\\[\\[[^]]*]]");
    private static final Pattern BRACES = Pattern.compile("\\{[^{}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*]");
    private static final Pattern LABEL_LIST =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "offset",
            "bool",
            "and",
            "or",
            "unless",
            "inf",
            "nan",
            "Inf",
            "NaN",
            "atan2");

    /**
     * The metric names a PromQL expression reads: identifiers that are not functions (followed by "("), keywords, label
     * names (in {@code {...}} or a {@code by (...)} list), strings, durations or Grafana variables. Also understands
     * Grafana's {@code label_values(METRIC{...}, label)} and {@code metrics(...)} templating functions.
     */
    public static Set<String> metricNames(String promql) {
        String s = STRING.matcher(promql).replaceAll(" ");
        s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
        String prev;
        do {
            prev = s;
            s = BRACES.matcher(s).replaceAll(" ");
        } while (!s.equals(prev));
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        // label_values(METRIC, label): the last argument is a label name
        s = s.replaceAll("label_values\\s*\\(([^,()]*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)", "($1)");
        s = s.replaceAll("label_values\\s*\\(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)", " ");
        Set<String> out = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group();
            int after = m.end();
            while (after < s.length() && Character.isWhitespace(s.charAt(after))) after++;
            boolean function = after < s.length() && s.charAt(after) == '(';
            if (function || KEYWORDS.contains(id)) continue;
            out.add(id);
        }
        return out;
    }

    /** The sample names of a Prometheus text exposition ({@code x_total}, {@code x_bucket}, {@code x_count} ...). */
    public static Set<String> exposedNames(String exposition) {
        Set<String> out = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
            out.add(line.substring(0, end));
        }
        return out;
    }

    /**
     * What the dashboard reads that {@code exposed} lacks, one line per metric and query ("panel 'Viewers per pool':
     * node_ipvs_backend_conections_active"); empty when every query's metrics are there. {@code only}: check only the
     * names it accepts (e.g. those of one service), null for all.
     */
    public static List<String> missing(
            String dashboardJson, Set<String> exposed, java.util.function.Predicate<String> only) {
        List<String> out = new ArrayList<>();
        for (Query q : queries(dashboardJson)) {
            for (String name : metricNames(q.expr())) {
                if (only != null && !only.test(name)) continue;
                if (!exposed.contains(name)) out.add(q.where() + ": " + name + " (in " + q.expr() + ")");
            }
        }
        return out;
    }
}
