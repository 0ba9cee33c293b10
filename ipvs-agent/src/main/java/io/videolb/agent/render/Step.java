package io.videolb.agent.render;

import io.videolb.model.Fwmark;
import java.util.List;

/**
 * One restore payload for one tool: {@code ipset restore}, {@code iptables-restore --noflush} or
 * {@code ipvsadm -R}. {@code expectedLines} is counted from the typed changes, independently of
 * the text, and {@link PayloadChecker} compares the two before anything runs.
 *
 * <p>{@code unit} is the unit of failure the step belongs to: {@code "fwmark N"} for an IPVS pool's changes (one
 * step per pool), {@link #STEERING} for the ipset and iptables changes. When the kernel refuses a step, the later
 * steps of the same unit are skipped (they may depend on it) and the steps of other units still run.
 */
public record Step(Tool tool, List<String> lines, int expectedLines, List<String> changes, String unit) {
    public static final String STEERING = "steering";

    public enum Tool {
        IPSET,
        IPTABLES,
        IPVS
    }

    public Step {
        lines = List.copyOf(lines);
        changes = List.copyOf(changes);
        if (unit == null || unit.isBlank()) unit = tool == Tool.IPVS ? "ipvs" : STEERING;
    }

    public Step(Tool tool, List<String> lines, int expectedLines, List<String> changes) {
        this(tool, lines, expectedLines, changes, null);
    }

    /** The unit for an IPVS pool. */
    public static String poolUnit(Fwmark mark) {
        return "fwmark " + mark;
    }

    public String payload() {
        return String.join("\n", lines) + "\n";
    }
}
