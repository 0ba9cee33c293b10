package io.videolb.alert.incident;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The incident book: turns the set of conditions that hold now into incidents, and decides when
 * a mail is due and what it says. Pure (time is passed in), single-threaded.
 *
 * <ul>
 *   <li>grouping: a change waits {@code groupWindow}; every change pending by then goes into
 *       the same mail, so a burst gives one mail;</li>
 *   <li>repeat: while incidents are open, one reminder per {@code repeatInterval};</li>
 *   <li>resolution: an incident that ends gets a "resolved" line in the next mail, then is
 *       deleted;</li>
 *   <li>flapping: {@code flapThreshold} changes within {@code flapWindow} mark an incident
 *       flapping; its further changes trigger nothing, it appears with a summary in reminders,
 *       and one mail says when it has settled.</li>
 * </ul>
 */
public final class AlertBook {
    public record Settings(Duration groupWindow, Duration repeatInterval, Duration flapWindow, int flapThreshold) {
        public Settings {
            if (groupWindow.isNegative()
                    || repeatInterval.compareTo(groupWindow) < 0
                    || flapWindow.isNegative()
                    || flapThreshold < 2) {
                throw new IllegalArgumentException(
                        "alert settings: need groupWindow >= 0, repeatInterval >= groupWindow, flapThreshold >= 2");
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofMinutes(10), 4);
        }
    }

    /** Incident records to write (changed) and to delete (tombstones), since the last call. */
    public record Changes(List<Incident> put, List<String> removed) {
        public boolean isEmpty() {
            return put.isEmpty() && removed.isEmpty();
        }
    }

    /** Flip times kept per incident (bounds the stored record; the subject's change count is exact up to this). */
    static final int MAX_FLIPS = 64;

    private final Settings settings;
    private final TreeMap<String, Incident> incidents = new TreeMap<>();
    private final Set<String> dirty = new LinkedHashSet<>();
    private final Set<String> removed = new LinkedHashSet<>();

    public AlertBook(Settings settings) {
        this.settings = settings;
    }

    /** Loads incidents read back from the alert-state topic (not marked dirty). */
    public void restore(Collection<Incident> stored) {
        stored.forEach(i -> incidents.put(i.id(), i));
    }

    public Map<String, Incident> incidents() {
        return java.util.Collections.unmodifiableMap(incidents);
    }

    public long openCount() {
        return incidents.values().stream()
                .filter(i -> i.open() && !mailedEvent(i))
                .count();
    }

    /** Compares the conditions that hold now with the incidents and records every change. */
    public void observe(List<Condition> active, long now) {
        requireWallClock(now);
        Map<String, Condition> byId = new TreeMap<>();
        active.forEach(c -> byId.put(c.id(), c));
        for (Condition c : byId.values()) {
            Incident i = incidents.get(c.id());
            if (i == null) {
                put(new Incident(
                        c.id(),
                        c.kind(),
                        c.title(),
                        c.details(),
                        true,
                        now,
                        now,
                        List.of(now),
                        1,
                        false,
                        false,
                        now,
                        false,
                        0,
                        1));
            } else if (!i.open()) {
                put(flip(i, true, c, now));
            } else if (!i.details().equals(c.details()) || !i.title().equals(c.title())) {
                put(new Incident(
                        i.id(),
                        i.kind(),
                        c.title(),
                        c.details(),
                        true,
                        i.openedAtMs(),
                        i.changedAtMs(),
                        i.flips(),
                        i.flipsTotal(),
                        i.flapping(),
                        i.flappingMailed(),
                        i.pendingSinceMs(),
                        i.openMailed(),
                        i.lastMailedAtMs(),
                        i.revision() + 1));
            }
        }
        for (Incident i : List.copyOf(incidents.values())) {
            if (!i.open() || byId.containsKey(i.id())) continue;
            if (i.kind().event()) {
                // an event is news once: after its mail, its end is dropped silently; before, it is kept to be mailed
                if (i.openMailed()) drop(i.id());
                continue;
            }
            put(flip(i, false, null, now));
        }
        // flapping ends after a quiet flap window
        for (Incident i : List.copyOf(incidents.values())) {
            if (i.flapping() && now - i.changedAtMs() >= settings.flapWindow().toMillis()) {
                put(new Incident(
                        i.id(),
                        i.kind(),
                        i.title(),
                        i.details(),
                        i.open(),
                        i.openedAtMs(),
                        i.changedAtMs(),
                        List.of(),
                        i.flipsTotal(),
                        false,
                        i.flappingMailed(),
                        i.pending() ? i.pendingSinceMs() : now,
                        i.openMailed(),
                        i.lastMailedAtMs(),
                        i.revision() + 1));
            }
        }
    }

    private Incident flip(Incident i, boolean open, Condition c, long now) {
        List<Long> flips = new ArrayList<>();
        long from = now - settings.flapWindow().toMillis();
        for (Long t : i.flips()) if (t > from) flips.add(t);
        flips.add(now);
        while (flips.size() > Math.max(settings.flapThreshold() * 2, MAX_FLIPS)) flips.remove(0);
        boolean flapping = i.flapping() || flips.size() >= settings.flapThreshold();
        boolean suppressed = flapping && i.flappingMailed() && i.flapping();
        long pending = i.pending() ? i.pendingSinceMs() : (suppressed ? 0 : now);
        return new Incident(
                i.id(),
                i.kind(),
                c == null ? i.title() : c.title(),
                c == null ? i.details() : c.details(),
                open,
                open && !i.open() && !i.openMailed() ? now : i.openedAtMs(),
                now,
                flips,
                i.flipsTotal() + 1,
                flapping,
                i.flappingMailed(),
                pending,
                i.openMailed(),
                i.lastMailedAtMs(),
                i.revision() + 1);
    }

    /**
     * The mail due at {@code now}, if any; the incidents it reports are updated as mailed (and
     * resolved ones deleted). Call {@link #changes()} afterwards and store both together.
     */
    public Optional<Digest> due(long now) {
        requireWallClock(now);
        long window = settings.groupWindow().toMillis();
        long repeat = settings.repeatInterval().toMillis();
        boolean trigger = false;
        for (Incident i : incidents.values()) {
            if (mailedEvent(i)) continue;
            if (i.pending() && (now - i.pendingSinceMs() >= window || i.kind().urgent())) trigger = true;
            if ((i.open() || i.flapping())
                    && i.lastMailedAtMs() > 0
                    && !i.pending()
                    && now - i.lastMailedAtMs() >= repeat) trigger = true;
        }
        if (!trigger) return Optional.empty();

        List<Incident> opened = new ArrayList<>();
        List<Incident> resolved = new ArrayList<>();
        List<Incident> blips = new ArrayList<>();
        List<Incident> flapping = new ArrayList<>();
        List<Incident> settled = new ArrayList<>();
        List<Incident> stillOpen = new ArrayList<>();
        for (Incident i : incidents.values()) {
            if (mailedEvent(i)) continue;
            if (i.flapping()) flapping.add(i);
            else if (i.pending() && i.flappingMailed()) settled.add(i);
            else if (i.pending() && i.open() && !i.openMailed()) opened.add(i);
            else if (i.pending() && i.open())
                stillOpen.add(i); // re-opened after a mailed resolution is impossible (deleted), so: changed while open
            else if (i.pending() && !i.open() && i.openMailed()) resolved.add(i);
            else if (i.pending() && !i.open()) blips.add(i);
            else if (i.open()) stillOpen.add(i);
        }
        Comparator order = new Comparator();
        opened.sort(order);
        resolved.sort(order);
        blips.sort(order);
        flapping.sort(order);
        settled.sort(order);
        stillOpen.sort(order);

        StringBuilder body = new StringBuilder();
        body.append("videolb alert service report of ")
                .append(Instant.ofEpochMilli(now))
                .append("\n");
        section(body, "NEW", opened, now, i -> "");
        section(
                body,
                "FLAPPING (further changes are summarised, not mailed one by one)",
                flapping,
                now,
                i -> "  " + i.flips().size() + " changes within the last "
                        + settings.flapWindow().toSeconds() + " s, " + i.flipsTotal() + " in all; now "
                        + (i.open() ? "PROBLEM" : "OK") + "\n");
        section(body, "SETTLED (stopped flapping)", settled, now, i -> "  now " + (i.open() ? "PROBLEM" : "OK") + "\n");
        section(body, "RESOLVED", resolved, now, i -> "  open for " + seconds(i.changedAtMs() - i.openedAtMs()) + "\n");
        section(body, "CAME AND WENT within the grouping window", blips, now, i -> "");
        section(body, "STILL OPEN", stillOpen, now, i -> "  open since " + Instant.ofEpochMilli(i.openedAtMs()) + "\n");
        body.append("\n").append(openCount()).append(" incident(s) open.\n");

        int reported =
                opened.size() + flapping.size() + settled.size() + resolved.size() + blips.size() + stillOpen.size();
        String more = reported > 1 ? " (+" + (reported - 1) + " more)" : "";
        String counts =
                opened.size() + " new, " + (resolved.size() + blips.size()) + " resolved, " + openCount() + " open: ";
        String subject;
        // Fixed templates; every part is a typed value (address, mark, safe token) or a count.
        // A flapping or settled incident leads with what flaps and how much: the counts of the
        // ordinary template ("0 new, 0 resolved, 0 open") say nothing about it.
        if (!opened.isEmpty()) subject = counts + opened.get(0).title() + more;
        else if (!flapping.isEmpty()) subject = flappingHeadline(flapping.get(0)) + more;
        else if (!settled.isEmpty()) subject = settledHeadline(settled.get(0)) + more;
        else if (!resolved.isEmpty())
            subject = counts + "resolved: " + resolved.get(0).title() + more;
        else if (!blips.isEmpty())
            subject = counts + "came and went: " + blips.get(0).title() + more;
        else subject = counts + "still open: " + stillOpen.get(0).title() + more;
        subject = "[videolb] " + subject;

        List<String> ids = new ArrayList<>();
        for (Incident i : List.copyOf(incidents.values())) {
            boolean inMail = !mailedEvent(i) && (i.pending() || i.open() || i.flapping());
            if (!inMail) continue;
            ids.add(i.id());
            if (!i.open() && !i.flapping()) {
                incidents.remove(i.id());
                dirty.remove(i.id());
                removed.add(i.id());
                continue;
            }
            put(new Incident(
                    i.id(),
                    i.kind(),
                    i.title(),
                    i.details(),
                    i.open(),
                    i.openedAtMs(),
                    i.changedAtMs(),
                    i.flips(),
                    i.flipsTotal(),
                    i.flapping(),
                    i.flapping(),
                    0,
                    i.openMailed() || i.open(),
                    now,
                    i.revision() + 1));
        }
        return Optional.of(new Digest(
                subject,
                body.toString(),
                ids,
                opened.size(),
                resolved.size() + blips.size(),
                flapping.size(),
                stillOpen.size()));
    }

    /** What changed since the last call (and forgets it). */
    public Changes changes() {
        List<Incident> put = new ArrayList<>();
        dirty.forEach(id -> put.add(incidents.get(id)));
        Changes c = new Changes(put, List.copyOf(removed));
        dirty.clear();
        removed.clear();
        return c;
    }

    /** Times are epoch milliseconds; 0 means "never" in the stored records. */
    private static void requireWallClock(long now) {
        if (now <= 0) throw new IllegalArgumentException("time must be epoch milliseconds > 0, got " + now);
    }

    /** An event incident already mailed: kept only so that it is not mailed again while its condition lasts. */
    private static boolean mailedEvent(Incident i) {
        return i.kind().event() && i.openMailed();
    }

    private void drop(String id) {
        incidents.remove(id);
        dirty.remove(id);
        removed.add(id);
    }

    private void put(Incident i) {
        incidents.put(i.id(), i);
        dirty.add(i.id());
        removed.remove(i.id());
    }

    private static void section(
            StringBuilder b,
            String name,
            List<Incident> list,
            long now,
            java.util.function.Function<Incident, String> extra) {
        if (list.isEmpty()) return;
        b.append("\n== ").append(name).append(" (").append(list.size()).append(")\n");
        for (Incident i : list) {
            b.append("* ")
                    .append(i.kind().words())
                    .append(": ")
                    .append(i.title())
                    .append("  [")
                    .append(i.id())
                    .append("]\n");
            b.append(extra.apply(i));
            for (String d : i.details()) b.append("  ").append(BodyText.line(d)).append("\n");
        }
    }

    /** {@code server 192.0.2.11 flapping (12 changes in 60 s), now down}: the changes recorded in the flap window and their span. */
    static String flappingHeadline(Incident i) {
        List<Long> f = i.flips();
        String rate = f.size() >= 2
                ? f.size() + " changes in " + Math.max(1, (f.get(f.size() - 1) - f.get(0) + 999) / 1000) + " s"
                : i.flipsTotal() + " changes";
        return Subjects.name(i) + " flapping (" + rate + "), now " + Subjects.state(i);
    }

    /** {@code server 192.0.2.11 settled after 30 changes, now up}. */
    static String settledHeadline(Incident i) {
        return Subjects.name(i) + " settled after " + i.flipsTotal() + " changes, now " + Subjects.state(i);
    }

    private static String seconds(long ms) {
        return (ms / 1000) + " s";
    }

    private static final class Comparator implements java.util.Comparator<Incident> {
        @Override
        public int compare(Incident a, Incident b) {
            int k = a.kind().compareTo(b.kind());
            return k != 0 ? k : a.id().compareTo(b.id());
        }
    }
}
