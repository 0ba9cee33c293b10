package io.videolb.health.inventory;

import io.videolb.health.probe.InventoryResult;
import io.videolb.health.probe.ProbeResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A server whose required stream stops publishing is treated like a frozen encoder (issue 16): its probe fails with
 * a {@code stale: ...} reason, the reason kind of a frozen HLS playlist, and the server goes DOWN after {@code fall}
 * such probes like any failing server. Pure.
 *
 * <p>Only a <em>known</em> inventory decides: an unknown one (stats page slow, too big, not rtmp_stat, or not read
 * yet) changes nothing, since a broken stats page is not a broken stream and must not take a serving server out.
 */
public final class RequiredStreams {
    private RequiredStreams() {}

    /** {@code probe} as it counts: failed as stale when the known inventory lacks a required stream. */
    public static ProbeResult apply(ProbeResult probe, List<String> required, InventoryResult inventory) {
        if (!probe.ok() || required.isEmpty() || inventory == null || !inventory.known()) return probe;
        List<String> missing = missing(required, inventory.inventory());
        if (missing.isEmpty()) return probe;
        return ProbeResult.fail(
                probe.level(),
                "stale: required stream " + String.join(", ", missing) + " not publishing (stats page)",
                probe.latencyMicros());
    }

    /** The required streams not publishing in {@code inv}, in the order required. */
    public static List<String> missing(List<String> required, StreamInventory inv) {
        HashSet<String> publishing = new HashSet<>(inv.publishingPaths());
        List<String> out = new ArrayList<>();
        for (String r : required) if (!publishing.contains(r)) out.add(r);
        return out;
    }
}
