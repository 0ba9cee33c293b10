package io.videolb.agent.observed;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Streams {@code /proc/net/ip_vs_conn} and keeps only what concerns one client: its persistence
 * templates (also a network's template that covers it, given the services' persistence netmasks)
 * and up to {@link Limits#maxConnections} of its connection entries. Reading stops at
 * {@link Limits#maxLines} lines or after {@link Limits#maxTime} (the file can hold millions of
 * entries); a line longer than {@link Limits#maxLineChars} is skipped as malformed without being kept.
 * Pure: the caller opens the file and passes the clock.
 */
public final class ClientPersistence {
    /** Bounds of one read. */
    public record Limits(long maxLines, int maxLineChars, int maxConnections, Duration maxTime) {
        public static final Limits DEFAULT = new Limits(2_000_000, 512, 100, Duration.ofSeconds(5));

        public Limits {
            if (maxLines < 1 || maxLineChars < 64 || maxConnections < 0 || maxTime.isNegative() || maxTime.isZero()) {
                throw new IllegalArgumentException("limits must be positive (lines >= 1, line chars >= 64)");
            }
        }
    }

    private static final int CHECK_CLOCK_EVERY = 4096;

    private final Ipv4Address client;
    private final Map<Fwmark, Set<Integer>> netmasks;
    private final Limits limits;
    private final List<PersistenceTemplate> templates = new ArrayList<>();
    private final List<IpvsConnection> connections = new ArrayList<>();
    private long connectionsOmitted;
    private long lines;
    private long malformed;
    private String firstMalformed;
    private long ipv6;

    private ClientPersistence(Ipv4Address client, Map<Fwmark, Set<Integer>> netmasks, Limits limits) {
        this.client = Objects.requireNonNull(client, "client");
        this.netmasks = Map.copyOf(netmasks);
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Reads {@code ipVsConn} (the text of /proc/net/ip_vs_conn) to its end or to a limit.
     *
     * @param netmasks {@link IpvsConnParser#persistenceNetmasks} of /proc/net/ip_vs (empty: exact client match only)
     * @param nanoTime the clock ({@code System::nanoTime})
     */
    public static PersistenceReport read(
            Reader ipVsConn,
            Ipv4Address client,
            Map<Fwmark, Set<Integer>> netmasks,
            Limits limits,
            LongSupplier nanoTime)
            throws IOException {
        ClientPersistence c = new ClientPersistence(client, netmasks, limits);
        return c.report(c.consume(ipVsConn, nanoTime));
    }

    /** Same, over text already in memory (tests, small tables). */
    public static PersistenceReport read(
            String ipVsConn, Ipv4Address client, Map<Fwmark, Set<Integer>> netmasks, Limits limits) {
        try {
            return read(new StringReader(ipVsConn), client, netmasks, limits, System::nanoTime);
        } catch (IOException e) {
            throw new IllegalStateException("a StringReader does not fail", e);
        }
    }

    private Optional<String> consume(Reader in, LongSupplier nanoTime) throws IOException {
        long deadline = nanoTime.getAsLong() + limits.maxTime().toNanos();
        StringBuilder line = new StringBuilder(128);
        boolean overlong = false;
        char[] buf = new char[8192];
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                char ch = buf[i];
                if (ch != '\n') {
                    if (line.length() < limits.maxLineChars()) line.append(ch);
                    else overlong = true;
                    continue;
                }
                Optional<String> stop = endOfLine(line, overlong, deadline, nanoTime);
                line.setLength(0);
                overlong = false;
                if (stop.isPresent()) return stop;
            }
        }
        if (line.length() > 0 || overlong) return endOfLine(line, overlong, deadline, nanoTime);
        return Optional.empty();
    }

    private Optional<String> endOfLine(StringBuilder line, boolean overlong, long deadline, LongSupplier nanoTime) {
        lines++;
        if (overlong) malformed("line longer than " + limits.maxLineChars() + " characters");
        else accept(IpvsConnParser.parse(line.toString()));
        if (lines >= limits.maxLines()) return Optional.of("stopped after " + lines + " lines (limit)");
        if (lines % CHECK_CLOCK_EVERY == 0 && nanoTime.getAsLong() - deadline > 0) {
            return Optional.of("stopped after " + limits.maxTime().toMillis() + " ms (" + lines + " lines read)");
        }
        return Optional.empty();
    }

    private void accept(IpvsConnLine parsed) {
        if (parsed instanceof PersistenceTemplate t) {
            if (holds(t)) templates.add(t);
        } else if (parsed instanceof IpvsConnection c) {
            if (!c.client().equals(client)) return;
            if (connections.size() < limits.maxConnections()) connections.add(c);
            else connectionsOmitted++;
        } else if (parsed instanceof IpvsConnLine.Ipv6) {
            ipv6++;
        } else if (parsed instanceof IpvsConnLine.Malformed m) {
            malformed(m.why());
        }
        // Header and PortTemplate: nothing to keep
    }

    private boolean holds(PersistenceTemplate t) {
        if (t.holds(client, -1)) return true;
        for (int mask : netmasks.getOrDefault(t.fwmark(), Set.of())) {
            if (t.holds(client, mask)) return true;
        }
        return false;
    }

    private void malformed(String why) {
        if (malformed++ == 0) firstMalformed = "line " + lines + ": " + why;
    }

    private PersistenceReport report(Optional<String> truncated) {
        templates.sort(Comparator.comparing(PersistenceTemplate::fwmark)
                .thenComparing(PersistenceTemplate::from)
                .thenComparing(PersistenceTemplate::server));
        List<PersistenceReport.ClientConnection> out = new ArrayList<>();
        for (IpvsConnection c : connections) out.add(new PersistenceReport.ClientConnection(c, markOf(c.server())));
        return new PersistenceReport(
                client,
                templates,
                out,
                connectionsOmitted,
                lines,
                malformed,
                Optional.ofNullable(firstMalformed),
                ipv6,
                truncated);
    }

    private Optional<Fwmark> markOf(Ipv4Address server) {
        List<Fwmark> marks = templates.stream()
                .filter(t -> t.server().equals(server))
                .map(PersistenceTemplate::fwmark)
                .distinct()
                .toList();
        return marks.size() == 1 ? Optional.of(marks.get(0)) : Optional.empty();
    }
}
