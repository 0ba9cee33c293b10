package io.videolb.agent.apply;

import io.videolb.model.Fwmark;
import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fwmark services videolb created, kept in a small state file (one decimal mark per line)
 * so that a pool removed from the configuration is deleted from IPVS, while a foreign fwmark
 * service is never touched. A mark is recorded BEFORE its service is created (a crash in between
 * leaves a record of a service that may not exist: harmless) and forgotten after its deletion.
 */
public final class Ownership {
    private final Path file;
    private final TreeSet<Fwmark> marks = new TreeSet<>();

    public Ownership(Path file) {
        this.file = file;
        if (file == null) return;
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
