package io.videolb.agent.render;

import java.util.List;

/**
 * One restore payload for one tool: {@code ipset restore}, {@code iptables-restore --noflush} or
 * {@code ipvsadm -R}. {@code expectedLines} is counted from the typed changes, independently of
 * the text, and {@link PayloadChecker} compares the two before anything runs.
 */
public record Step(Tool tool, List<String> lines, int expectedLines, List<String> changes) {
    public enum Tool {
        IPSET,
        IPTABLES,
        IPVS
    }

    public Step {
        lines = List.copyOf(lines);
        changes = List.copyOf(changes);
    }

    public String payload() {
        return String.join("\n", lines) + "\n";
    }
}
