package io.videolb.agent.plan;

import java.util.List;

/** The changes of one reconcile run, in the order they must be applied. */
public record Plan(List<Change> changes) {
    public Plan {
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    public List<String> describe() {
        return changes.stream().map(Change::describe).toList();
    }

    public Plan withoutIpvs() {
        return new Plan(changes.stream().filter(c -> !c.ipvs()).toList());
    }

    public Plan onlyIpvs() {
        return new Plan(changes.stream().filter(Change::ipvs).toList());
    }
}
