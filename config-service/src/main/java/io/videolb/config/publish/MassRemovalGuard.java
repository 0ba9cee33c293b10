package io.videolb.config.publish;

import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Network;
import java.util.Optional;

/**
 * Refuses a whole-set import that would remove most of the client entries at once, unless the operator
 * forces it. A truncated {@code client-list.csv} (an editor or a copy that stopped half way) is a valid file:
 * no rule catches it, and importing it would move every missing viewer to the network's default pool on every
 * director at once. Single API edits are never guarded (they remove one entry); small clusters are not either
 * (below {@code minRemoved} entries, removing many is an ordinary edit).
 *
 * @param maxShare   largest share of the current client entries an import may remove without force (0 < share <= 1)
 * @param minRemoved an import removing fewer entries than this is never refused
 */
public record MassRemovalGuard(double maxShare, int minRemoved) {
    /** At most half of the entries, and only once 100 or more would go. */
    public static final MassRemovalGuard DEFAULT = new MassRemovalGuard(0.5, 100);

    public MassRemovalGuard {
        if (!(maxShare > 0 && maxShare <= 1))
            throw new IllegalArgumentException("maxShare must be in (0, 1], got " + maxShare);
        if (minRemoved < 1) throw new IllegalArgumentException("minRemoved must be at least 1, got " + minRemoved);
    }

    /** Why an import from {@code before} to {@code after} is refused; empty when it may go on (or nothing was published yet). */
    public Optional<String> refusal(DesiredState before, DesiredState after) {
        if (before == null || after == null) return Optional.empty();
        int current = before.clients().size();
        int removed = 0;
        for (Ipv4Network n : before.clients().keySet()) {
            if (!after.clients().containsKey(n)) removed++;
        }
        if (removed < minRemoved || removed <= maxShare * current) return Optional.empty();
        return Optional.of(String.format(
                java.util.Locale.ROOT,
                "the import would remove %d of the %d client entries (%.0f %%, more than %.0f %%): a truncated client-list.csv looks"
                        + " like this; nothing was published. If it is meant, repeat with force (CLI --force, API \"force\": true)",
                removed,
                current,
                100.0 * removed / current,
                100 * maxShare));
    }
}
