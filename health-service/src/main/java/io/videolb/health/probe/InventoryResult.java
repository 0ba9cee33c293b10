package io.videolb.health.probe;

import io.videolb.health.inventory.StreamInventory;

/** One read of a server's stats endpoint: the inventory, or unknown with the reason, and how long it took. */
public record InventoryResult(StreamInventory inventory, String unknownReason, long latencyMicros) {
    public InventoryResult {
        if ((inventory == null) == (unknownReason == null))
            throw new IllegalArgumentException("exactly one of inventory and unknownReason");
    }

    public static InventoryResult known(StreamInventory inventory, long latencyMicros) {
        return new InventoryResult(inventory, null, latencyMicros);
    }

    public static InventoryResult unknown(String reason, long latencyMicros) {
        return new InventoryResult(null, reason, latencyMicros);
    }

    public boolean known() {
        return inventory != null;
    }
}
