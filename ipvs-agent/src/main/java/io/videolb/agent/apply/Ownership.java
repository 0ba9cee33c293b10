package io.videolb.agent.apply;

import io.videolb.agent.desired.Drain;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fwmark services videolb created, kept in a small state file (one decimal mark per line)
 * so that a pool removed from the configuration is deleted from IPVS, while a foreign fwmark
 * service is never touched. A mark is recorded BEFORE its service is created (a crash in between
 * leaves a record of a service that may not exist: harmless) and forgotten after its deletion.
 *
 * <p>Beside it, in the file {@code drains} of the same directory, the drains the agent runs in those services
 * (a removed pool's servers, a server removed from a pool, a backup after failback): one line per drain, {@code MARK
 * SERVER STARTED_MS DEADLINE_MS REASON}, written whenever the set changes, so a restarted agent keeps each drain's
 * deadline instead of starting a new one (issue 15). A maintenance drain's deadline is in desired state; it is
 * written here too and desired state wins.
 */
public final class Ownership {
    private final Path file;
    private final Path drainsFile;
    private final TreeSet<Fwmark> marks = new TreeSet<>();
    private Map<Drain.Key, Drain> drains = Map.of();

    public Ownership(Path file) {
        this.file = file;
        this.drainsFile = file == null ? null : file.resolveSibling("drains");
        if (file == null) return;
        drains = readDrains(drainsFile);
        for (String line : SafeFiles.readOr(file, "").split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            try {
                marks.add(Fwmark.parse(s));
            } catch (RuntimeException e) {
                // a damaged line: ignore it rather than own something by mistake
            }
        }
    }

    public synchronized Set<Fwmark> marks() {
        return Collections.unmodifiableSet(new TreeSet<>(marks));
    }

    public synchronized void addAll(Set<Fwmark> add) {
        if (marks.addAll(add)) save();
    }

    public synchronized void retainOnly(Set<Fwmark> keep) {
        if (marks.retainAll(keep)) save();
    }

    /** The drains as last saved (read at start: the drains of the previous run of the agent). */
    public synchronized Map<Drain.Key, Drain> drains() {
        return drains;
    }

    /** Records the drains in progress; the file is written only when they changed. */
    public synchronized void saveDrains(Map<Drain.Key, Drain> now) {
        if (now.equals(drains)) return;
        drains = Map.copyOf(now);
        if (drainsFile == null) return;
        StringBuilder sb = new StringBuilder(
                "# drains in progress (ipvs-agent): MARK SERVER STARTED_MS DEADLINE_MS REASON; kept across restarts\n");
        drains.values().stream()
                .sorted(Comparator.comparing((Drain d) -> d.mark().value())
                        .thenComparing(d -> d.server().toString()))
                .forEach(d -> sb.append(d.mark())
                        .append(' ')
                        .append(d.server())
                        .append(' ')
                        .append(d.startedAtMs())
                        .append(' ')
                        .append(d.deadlineAtMs())
                        .append(' ')
                        .append(d.reason().replaceAll("[\\r\\n]", " "))
                        .append('\n'));
        try {
            SafeFiles.write(drainsFile, sb.toString(), SafeFiles.Mode.PRIVATE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write drains file " + drainsFile, e);
        }
    }

    /** A damaged line is ignored (that drain starts again with a new deadline), as a damaged ownership line. */
    static Map<Drain.Key, Drain> readDrains(Path file) {
        Map<Drain.Key, Drain> out = new HashMap<>();
        for (String line : SafeFiles.readOr(file, "").split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            String[] f = s.split(" ", 5);
            if (f.length < 5) continue;
            try {
                Drain d = new Drain(
                        Fwmark.parse(f[0]), Ipv4Address.parse(f[1]), f[4], Long.parseLong(f[2]), Long.parseLong(f[3]));
                out.put(d.key(), d);
            } catch (RuntimeException e) {
                // damaged: ignored
            }
        }
        return Map.copyOf(out);
    }

    private void save() {
        if (file == null) return;
        StringBuilder sb =
                new StringBuilder("# fwmark services created by videolb (ipvs-agent); cleanup removes exactly these\n");
        for (Fwmark m : marks) sb.append(m).append('\n');
        try {
            SafeFiles.write(file, sb.toString(), SafeFiles.Mode.PRIVATE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ownership file " + file, e);
        }
    }
}
