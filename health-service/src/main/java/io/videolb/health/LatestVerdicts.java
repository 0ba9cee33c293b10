package io.videolb.health;

import io.videolb.events.HealthVerdict;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.Map;

/**
 * What a consumer of the health topic keeps: per server the verdict with the highest sequence.
 * A duplicate or older verdict (redelivery, reordering, a slow former owner) is ignored.
 * Not thread-safe.
 */
public final class LatestVerdicts {
    private final Map<Ipv4Address, HealthVerdict> latest = new HashMap<>();

    /** Returns true when {@code v} was newer and is now the server's verdict; false when ignored. */
    public boolean accept(HealthVerdict v) {
        HealthVerdict prev = latest.get(v.server());
        if (!v.isNewerThan(prev)) return false;
        latest.put(v.server(), v);
        return true;
    }

    public HealthVerdict get(Ipv4Address server) {
        return latest.get(server);
    }

    public Map<Ipv4Address, HealthVerdict> all() {
        return Map.copyOf(latest);
    }
}
