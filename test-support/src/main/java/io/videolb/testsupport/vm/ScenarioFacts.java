package io.videolb.testsupport.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code @key value} lines a scenario script running in the VM prints: the facts a test
 * asserts on. A key may occur several times; {@link #one} insists on exactly one.
 */
public final class ScenarioFacts {
    private final Map<String, List<String>> facts = new LinkedHashMap<>();

    public ScenarioFacts(List<String> lines) {
        for (String l : lines) {
            if (l.startsWith("@") && l.length() > 1) {
                int sp = l.indexOf(' ');
                String key = sp < 0 ? l.substring(1) : l.substring(1, sp);
                facts.computeIfAbsent(key, k -> new ArrayList<>())
                        .add(sp < 0 ? "" : l.substring(sp + 1).trim());
            }
        }
    }

    /** Every value printed for {@code key}, in order; empty when none. */
    public List<String> all(String key) {
        return facts.getOrDefault(key, List.of());
    }

    /** The single value printed for {@code key}; an AssertionError when there is none or several. */
    public String one(String key) {
        List<String> v = all(key);
        if (v.size() != 1) {
            throw new AssertionError("fact @" + key + ": expected exactly one line, got " + v.size() + " " + v);
        }
        return v.get(0);
    }

    public Set<String> keys() {
        return facts.keySet();
    }
}
