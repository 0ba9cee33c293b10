package io.videolb.testsupport.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * docs/metrics.md as a test reads it: one {@code ## SERVICE} section per service, each with a table whose rows are
 * {@code | `family` | type | labels | only when | meaning |}; "only when" is {@code —} (or empty) for a family every
 * scrape of the service shows.
 */
public final class MetricsDoc {
    private final Map<String, Map<String, String>> sections; // service -> family -> only-when

    private MetricsDoc(Map<String, Map<String, String>> sections) {
        this.sections = sections;
    }

    public static MetricsDoc parse(String markdown) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        Map<String, String> current = null;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) {
                current = new LinkedHashMap<>();
                sections.put(line.substring(3).strip(), current);
            } else if (current != null && line.startsWith("| `")) {
                String[] cells = line.split("\\|", -1);
                if (cells.length < 6) continue;
                String name = cells[1].strip();
                if (!name.matches("`[a-zA-Z_:][a-zA-Z0-9_:]*`")) continue;
                current.put(name.substring(1, name.length() - 1), cells[4].strip());
            }
        }
        return new MetricsDoc(sections);
    }

    /** The families listed for {@code service} (empty when it has no section). */
    public Set<String> names(String service) {
        return new TreeSet<>(sections.getOrDefault(service, Map.of()).keySet());
    }

    /** The families listed for {@code service} that every scrape shows ("only when" {@code —} or empty). */
    public Set<String> unconditional(String service) {
        Set<String> out = new TreeSet<>();
        sections.getOrDefault(service, Map.of()).forEach((n, when) -> {
            if (when.isEmpty() || when.equals("—") || when.equals("-")) out.add(n);
        });
        return out;
    }

    /** The families listed for {@code service} whose "only when" names {@code condition} (e.g. {@code IPVS}). */
    public Set<String> when(String service, String condition) {
        Set<String> out = new TreeSet<>();
        sections.getOrDefault(service, Map.of()).forEach((n, when) -> {
            if (when.contains(condition)) out.add(n);
        });
        return out;
    }

    /** The family names of a Prometheus text exposition, from its {@code # TYPE} lines. */
    public static Set<String> families(String exposition) {
        Set<String> out = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.startsWith("# TYPE ")) continue;
            String[] t = line.split(" ");
            if (t.length >= 4) out.add(t[2]);
        }
        return out;
    }
}
