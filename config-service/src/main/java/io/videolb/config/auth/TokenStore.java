package io.videolb.config.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's tokens, re-read from their file when it changes (its modification time, size or identity, looked
 * at by {@link #reloadIfChanged()} on a timer) or on demand ({@link #reload()}, e.g. on SIGHUP), so that a token
 * removed from the file stops working without a restart.
 *
 * <p>Fails closed: when the file is missing or invalid at a reload, every token is refused (and the error, naming
 * the file and line, is logged once per change) until a valid file is back. Keeping the old tokens instead would
 * keep a token the operator just revoked working.
 */
public final class TokenStore {
    private static final Logger LOG = LoggerFactory.getLogger(TokenStore.class);

    private record Stamp(long modifiedNanos, long size, Object key) {}

    private final Path file;
    private volatile TokenFile tokens; // null: the file is missing or invalid, every token is refused
    private volatile String problem;
    private Stamp seen; // guarded by this

    private TokenStore(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** Loads {@code file}; at start an unreadable or invalid file is an error (the message names the line). */
    public static TokenStore load(Path file) throws IOException {
        TokenStore s = new TokenStore(file);
        Stamp st = stamp(file);
        s.tokens = TokenFile.load(file);
        s.seen = st;
        return s;
    }

    /** Re-reads the file when its stamp changed since the last read; true when it re-read it. */
    public synchronized boolean reloadIfChanged() {
        Stamp now;
        try {
            now = stamp(file);
        } catch (IOException e) {
            now = null;
        }
        if (Objects.equals(now, seen)) return false;
        read(now, "changed");
        return true;
    }

    /** Re-reads the file now (SIGHUP). */
    public synchronized void reload() {
        Stamp now;
        try {
            now = stamp(file);
        } catch (IOException e) {
            now = null;
        }
        read(now, "reload requested");
    }

    private void read(Stamp now, String why) {
        seen = now;
        try {
            TokenFile t = TokenFile.load(file);
            int before = tokens == null ? 0 : tokens.size();
            tokens = t;
            problem = null;
            LOG.info("admin API token file {} re-read ({}): {} tokens (before {})", file, why, t.size(), before);
        } catch (IOException | RuntimeException e) {
            tokens = null;
            problem = e instanceof IOException ? "cannot read " + file + ": " + e : e.getMessage();
            LOG.error("admin API token file {} ({}): {}; every token is refused until it is fixed", file, why, problem);
        }
    }

    /** The principal of a presented token; empty when it matches no entry or the file is missing or invalid. */
    public Optional<Principal> authenticate(String token) {
        TokenFile t = tokens;
        return t == null ? Optional.empty() : t.authenticate(token);
    }

    /** Why every token is refused now, or empty. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    public Path file() {
        return file;
    }

    private static Stamp stamp(Path f) throws IOException {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        return new Stamp(
                a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                a.size(),
                a.fileKey() == null ? f.toRealPath().toString() : a.fileKey());
    }
}
