package io.videolb.config.auth;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Failed authentications per source address: after {@code limit} failures within {@code window} (counted from the
 * first one), the address is refused until the window ends ({@link #retryAfterMs}); a success clears its count.
 * At most {@code maxAddresses} addresses are tracked: past that the entries whose window ended are dropped, then the
 * oldest, so that a flood from many addresses costs bounded memory. Thread-safe; time is passed in (milliseconds).
 */
public final class FailureLimiter {
    private static final class Window {
        final long startMs;
        int failures;

        Window(long startMs) {
            this.startMs = startMs;
        }
    }

    private final int limit;
    private final long windowMs;
    private final int maxAddresses;
    private final LinkedHashMap<String, Window> byAddress = new LinkedHashMap<>(); // guarded by this, oldest first

    public FailureLimiter(int limit, Duration window, int maxAddresses) {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1: " + limit);
        if (maxAddresses < 1) throw new IllegalArgumentException("maxAddresses must be at least 1");
        this.limit = limit;
        this.windowMs = window.toMillis();
        this.maxAddresses = maxAddresses;
    }

    /** Milliseconds until {@code address} may try again, or empty when it may try now. */
    public synchronized OptionalLong retryAfterMs(String address, long nowMs) {
        Window w = byAddress.get(address);
        if (w == null) return OptionalLong.empty();
        long end = w.startMs + windowMs;
        if (nowMs >= end) {
            byAddress.remove(address);
            return OptionalLong.empty();
        }
        return w.failures >= limit ? OptionalLong.of(end - nowMs) : OptionalLong.empty();
    }

    /** Counts a failure of {@code address}; true when it has now reached the limit. */
    public synchronized boolean failed(String address, long nowMs) {
        Window w = byAddress.get(address);
        if (w == null || nowMs >= w.startMs + windowMs) {
            byAddress.remove(address);
            makeRoom(nowMs);
            w = new Window(nowMs);
            byAddress.put(address, w);
        }
        w.failures++;
        return w.failures >= limit;
    }

    /** A success of {@code address}: its count starts again. */
    public synchronized void succeeded(String address) {
        byAddress.remove(address);
    }

    public synchronized int tracked() {
        return byAddress.size();
    }

    /**
     * Entries are in the order their windows started (a new window is a new entry at the end), so the expired ones
     * and the oldest are at the head: removing from there costs only what it removes.
     */
    private void makeRoom(long nowMs) {
        if (byAddress.size() < maxAddresses) return;
        Iterator<Map.Entry<String, Window>> it = byAddress.entrySet().iterator();
        while (it.hasNext()) {
            Window w = it.next().getValue();
            if (byAddress.size() < maxAddresses && nowMs < w.startMs + windowMs) break;
            it.remove();
        }
    }
}
