package io.videolb.events;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Split brain of a director pair, from the agents' published statuses (issue 10): two directors that
 * both say they hold the VIP, each in a status published after the other became MASTER. A dead
 * director's last status ("MASTER", published before the survivor took over) is therefore not a
 * split brain: its claim is older than the survivor's takeover.
 */
public final class SplitBrain {
    private SplitBrain() {}

    /** The directors (sorted by id) that hold the VIP by their latest statuses. */
    public static List<String> holders(Collection<AgentStatus> statuses) {
        return statuses.stream()
                .filter(a -> a.ha() != null && a.ha().holdsVip())
                .map(AgentStatus::director)
                .sorted()
                .toList();
    }

    /** The directors in a split brain (empty: none): holders whose claims overlap in time. */
    public static List<String> of(Collection<AgentStatus> statuses) {
        List<AgentStatus> h = statuses.stream()
                .filter(a -> a.ha() != null && a.ha().holdsVip())
                .sorted(Comparator.comparing(AgentStatus::director))
                .toList();
        List<String> out = new ArrayList<>();
        for (AgentStatus a : h) {
            for (AgentStatus b : h) {
                if (a == b) continue;
                // a still claimed the VIP after b became MASTER, and b after a did
                if (a.lastRunAtMs() >= b.ha().stateSinceMs() && b.lastRunAtMs() >= a.ha().stateSinceMs()) {
                    out.add(a.director());
                    break;
                }
            }
        }
        return List.copyOf(out);
    }
}
