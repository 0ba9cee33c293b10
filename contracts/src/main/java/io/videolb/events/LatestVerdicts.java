package io.videolb.events;

import io.videolb.model.Ipv4Address;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The one place of the rule every reader of the health topic applies: per server, the verdict
 * with the highest sequence wins ({@link HealthVerdict#isNewerThan}); a duplicate or older
 * verdict (redelivery, reordering, a slow former owner, a second checker) is ignored. Servers are
 * kept in address order. Pure; not thread-safe (one reader thread feeds it; {@link #all()} is a copy).
 */
public final class LatestVerdicts {
    private final TreeMap<Ipv4Address, HealthVerdict> latest = new TreeMap<>();

    /** Returns true when {@code v} was newer and is now the server's verdict; false when ignored. */
    public boolean accept(HealthVerdict v) {
        HealthVerdict prev = latest.get(v.server());
        if (!v.isNewerThan(prev)) return false;
        latest.put(v.server(), v);
        return true;
    }

    /** The server's verdict, or null when none is known. */
    public HealthVerdict get(Ipv4Address server) {
        return latest.get(server);
    }

    /** Forgets a server (a tombstone on the health topic); returns whether it was known. */
    public boolean remove(Ipv4Address server) {
        return latest.remove(server) != null;
    }

    /** Forgets every server matching {@code which} (e.g. those of a partition given up). */
    public void removeIf(Predicate<Ipv4Address> which) {
        latest.keySet().removeIf(which);
    }

    public int size() {
        return latest.size();
    }

    /** An immutable copy. */
    public Map<Ipv4Address, HealthVerdict> all() {
        return Map.copyOf(latest);
    }

    /** A read-only live view in address order (for iteration on the owning thread). */
    public SortedMap<Ipv4Address, HealthVerdict> view() {
        return Collections.unmodifiableSortedMap(latest);
    }
}
