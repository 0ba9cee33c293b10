package io.videolb.health.inventory;

import io.videolb.events.ServerStreams;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Turns each read of a server's stats page into its {@code inventory/IP} record ({@link ServerStreams}) and
 * decides when to publish: when what the server carries changed (streams, publishing, viewers, bandwidth, known or
 * the reason), else again every refresh interval ({@link #refreshMs}), so that the compacted topic is not rewritten
 * every probe interval for nothing. An inventory that does not fit one record (more than {@link ServerStreams#MAX_STREAMS} streams, a
 * name longer than {@link ServerStreams#MAX_NAME}) is published as unknown with that reason. A server no longer
 * read is tombstoned. Not thread-safe: one context calls it.
 */
public final class InventoryPublisher {
    private final String checkerId;
    private final SequenceClock sequences;
    private final LongSupplier nowMs;
    private final long refreshMs;
    private final Consumer<ServerStreams> publish;
    private final Consumer<Ipv4Address> tombstone;
    private final Map<Ipv4Address, ServerStreams> last = new HashMap<>();

    public InventoryPublisher(
            String checkerId,
            SequenceClock sequences,
            LongSupplier nowMs,
            long refreshMs,
            Consumer<ServerStreams> publish,
            Consumer<Ipv4Address> tombstone) {
        this.checkerId = checkerId;
        this.sequences = sequences;
        this.nowMs = nowMs;
        this.refreshMs = refreshMs;
        this.publish = publish;
        this.tombstone = tombstone;
    }

    /**
     * How often an unchanged inventory is published again: the verdicts' refresh interval, but at most three checker
     * heartbeats. Agents weigh a server by its inventory only while the record is younger than their staleness bound
     * ({@code VIDEOLB_HEALTH_STALE_MS}, 15 s, kept above the heartbeat); refreshed every 30 s like a verdict, a
     * steady server's inventory (no viewer joining or leaving) went stale for half of every refresh interval and its
     * load-fed weight was held as "inventory unknown" (seen in the VM lab). At the defaults: every 6 s.
     */
    public static long refreshMs(long verdictRefreshMs, long heartbeatMs) {
        if (verdictRefreshMs <= 0 || heartbeatMs <= 0)
            throw new IllegalArgumentException("refresh and heartbeat must be positive");
        return Math.min(verdictRefreshMs, 3 * heartbeatMs);
    }

    /** One read's result for {@code server}; publishes its record when it changed or is due for a refresh. */
    public void read(Ipv4Address server, InventoryResult r) {
        long now = nowMs.getAsLong();
        ServerStreams content = content(server, r);
        ServerStreams prev = last.get(server);
        if (prev != null && sameContent(prev, content) && now - prev.observedAtMs() < refreshMs) return;
        ServerStreams record = new ServerStreams(
                server,
                content.known(),
                content.reason(),
                content.streams(),
                content.bwOutBitsPerSecond(),
                checkerId,
                sequences.next(ServerStreams.KEY_PREFIX + server),
                now);
        last.put(server, record);
        publish.accept(record);
    }

    /** Tombstones every server published before and not in {@code read} (it left the cluster or this checker). */
    public void retain(Set<Ipv4Address> read) {
        List<Ipv4Address> gone = new ArrayList<>();
        for (Ipv4Address s : last.keySet()) if (!read.contains(s)) gone.add(s);
        for (Ipv4Address s : gone) {
            last.remove(s);
            tombstone.accept(s);
        }
    }

    /** The record's content (sequence and time 0): the inventory, or unknown with the reason. */
    static ServerStreams content(Ipv4Address server, InventoryResult r) {
        if (!r.known()) return new ServerStreams(server, false, r.unknownReason(), List.of(), 0, "", 0, 0);
        StreamInventory inv = r.inventory();
        if (inv.streams().size() > ServerStreams.MAX_STREAMS)
            return new ServerStreams(
                    server,
                    false,
                    inv.streams().size() + " streams, more than " + ServerStreams.MAX_STREAMS
                            + " fit one inventory record",
                    List.of(),
                    0,
                    "",
                    0,
                    0);
        List<ServerStreams.Stream> streams = new ArrayList<>();
        try {
            for (StreamInventory.Stream s : inv.streams())
                streams.add(new ServerStreams.Stream(
                        s.app(), s.name(), s.publishing(), s.viewers(), s.bwOutBitsPerSecond()));
        } catch (IllegalArgumentException e) {
            return new ServerStreams(server, false, "not publishable: " + e.getMessage(), List.of(), 0, "", 0, 0);
        }
        return new ServerStreams(server, true, "", streams, inv.bwOutBitsPerSecond(), "", 0, 0);
    }

    private static boolean sameContent(ServerStreams a, ServerStreams b) {
        return a.known() == b.known()
                && a.reason().equals(b.reason())
                && a.streams().equals(b.streams())
                && a.bwOutBitsPerSecond() == b.bwOutBitsPerSecond();
    }
}
