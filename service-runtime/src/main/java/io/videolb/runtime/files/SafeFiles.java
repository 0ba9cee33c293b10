package io.videolb.runtime.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The one way videolb writes a file, above all as root (the agent's reboot files, ownership state and
 * keepalived files; the standalone's token and bootstrap files; the alert mail folder). A reader, or a
 * reboot, sees the old content or the new, never half; and a local user who can plant a symbolic link
 * never gets videolb to write through it:
 *
 * <ul>
 *   <li>the temporary file has a random name ({@code .NAME.RANDOM.tmp} beside the target) and is created
 *       with {@code O_CREAT|O_EXCL|O_NOFOLLOW} ({@link StandardOpenOption#CREATE_NEW},
 *       {@link LinkOption#NOFOLLOW_LINKS}): a link or file already at that name is never opened (another
 *       random name is tried, at most {@value #TEMP_ATTEMPTS} times);</li>
 *   <li>the target must be a regular file or absent: a symbolic link (or a directory, a FIFO...) at the
 *       target is refused with an {@link IOException} naming it, and nothing is written;</li>
 *   <li>modes are explicit: a new file gets {@link Mode#mode}; a replaced file keeps its owner, group and
 *       mode, except that the bits outside {@link Mode#allowed} are dropped (a client list, personal
 *       data, never stays world-readable because an older tool created it 0644);</li>
 *   <li>the temporary file is fsynced before the rename, the directory after it.</li>
 * </ul>
 *
 * Reads ({@link #readOr}) do not follow a link either.
 */
public final class SafeFiles {
    /** How many random temporary names are tried before giving up. */
    static final int TEMP_ATTEMPTS = 8;

    private static final SecureRandom RANDOM = new SecureRandom();

    private SafeFiles() {}

    /**
     * The mode of a new file and the bits a replaced file may keep.
     *
     * @param mode    permissions of a file videolb creates, e.g. {@code rw-r-----}
     * @param allowed permissions a replaced file may keep (its other bits are dropped), e.g. {@code rw-rw----}
     */
    public record Mode(Set<PosixFilePermission> mode, Set<PosixFilePermission> allowed) {
        /** Secrets (tokens, keys, credentials): 0600, and a replaced file keeps at most 0600. */
        public static final Mode SECRET = of("rw-------", "rw-------");
        /** Personal data (client lists, mail to operators) and anything root-only: 0640, at most 0660. */
        public static final Mode PRIVATE = of("rw-r-----", "rw-rw----");
        /** Files other local tools must read (a URL, a bootstrap address): 0644, any mode kept. */
        public static final Mode PUBLIC = of("rw-r--r--", "rwxrwxrwx");

        public Mode {
            mode = Set.copyOf(mode);
            allowed = Set.copyOf(allowed);
            if (!allowed.containsAll(mode))
                throw new IllegalArgumentException("the mode of a new file must be allowed: " + mode + " / " + allowed);
        }

        public static Mode of(String mode, String allowed) {
            return new Mode(PosixFilePermissions.fromString(mode), PosixFilePermissions.fromString(allowed));
        }

        /** The mode a replaced file with {@code existing} gets. */
        Set<PosixFilePermission> keep(Set<PosixFilePermission> existing) {
            Set<PosixFilePermission> kept = EnumSet.noneOf(PosixFilePermission.class);
            kept.addAll(existing);
            kept.retainAll(allowed);
            return kept;
        }
    }

    /** Writes {@code content} (UTF-8) to {@code target} atomically; see the class comment. */
    public static void write(Path target, String content, Mode mode) throws IOException {
        write(target, content.getBytes(StandardCharsets.UTF_8), mode, SafeFiles::randomSuffix);
    }

    /** As {@link #write(Path, String, Mode)} with bytes. */
    public static void write(Path target, byte[] content, Mode mode) throws IOException {
        write(target, content, mode, SafeFiles::randomSuffix);
    }

    /** As above; {@code suffixes} names the temporary files (tests plant links at a known name). */
    static void write(Path target, byte[] content, Mode mode, Supplier<String> suffixes) throws IOException {
        Objects.requireNonNull(mode, "mode");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        PosixFileAttributes existing = regularOrAbsent(abs);
        Set<PosixFilePermission> perms = existing == null ? mode.mode() : mode.keep(existing.permissions());
        Path tmp = null;
        FileChannel ch = null;
        for (int i = 0; i < TEMP_ATTEMPTS && ch == null; i++) {
            tmp = dir.resolve("." + abs.getFileName() + "." + suffixes.get() + ".tmp");
            try {
                ch = FileChannel.open(
                        tmp,
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                        PosixFilePermissions.asFileAttribute(mode.mode()));
            } catch (FileAlreadyExistsException taken) {
                // a file or link is at that name: never ours, never opened; try another name
            }
        }
        if (ch == null)
            throw new IOException("cannot create a temporary file beside " + abs + ": " + TEMP_ATTEMPTS
                    + " random names were taken (last " + tmp + ")");
        boolean moved = false;
        try {
            try (FileChannel c = ch) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) c.write(b);
                c.force(true);
            }
            PosixFileAttributeView view =
                    Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            // explicit: the umask narrowed the creation mode, or the old file's mode is kept
            view.setPermissions(perms);
            if (existing != null) keepOwner(view, existing, abs);
            regularOrAbsent(abs); // again just before the rename: a link planted meanwhile is refused, not replaced
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename is still atomic
        }
    }

    /**
     * Writes {@code content} into {@code target} in place (truncate, write, close), for a file another program
     * watches for a closed write (keepalived's track file); never through a symbolic link ({@code O_NOFOLLOW}).
     * A new file gets {@link Mode#mode}; an existing one keeps its owner and its mode minus the bits outside
     * {@link Mode#allowed}.
     */
    public static void writeInPlace(Path target, String content, Mode mode) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        PosixFileAttributes existing = regularOrAbsent(abs);
        Set<OpenOption> opts = Set.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING,
                LinkOption.NOFOLLOW_LINKS);
        try (FileChannel c = FileChannel.open(abs, opts, PosixFilePermissions.asFileAttribute(mode.mode()))) {
            ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) c.write(b);
        }
        Files.getFileAttributeView(abs, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(existing == null ? mode.mode() : mode.keep(existing.permissions()));
    }

    /** The content of {@code p} (UTF-8), or {@code fallback} when it is absent, unreadable or a symbolic link. */
    public static String readOr(Path p, String fallback) {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = c.size();
            if (size > Integer.MAX_VALUE - 16) return fallback;
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && c.read(b) >= 0) {}
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return fallback;
        }
    }

    /** The attributes of a regular file at {@code p}, null when nothing is there; anything else is refused. */
    private static PosixFileAttributes regularOrAbsent(Path p) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (a.isSymbolicLink())
            throw new IOException(p + " is a symbolic link: refusing to write through or replace it"
                    + " (videolb writes regular files only; remove the link)");
        if (!a.isRegularFile()) throw new IOException(p + " is not a regular file: refusing to replace it");
        return a;
    }

    /** Gives the new file the replaced file's owner and group (only root can give a file away; anyone else fails here). */
    private static void keepOwner(PosixFileAttributeView view, PosixFileAttributes existing, Path target)
            throws IOException {
        PosixFileAttributes now = view.readAttributes();
        try {
            if (!now.owner().equals(existing.owner())) view.setOwner(existing.owner());
            if (!now.group().equals(existing.group())) view.setGroup(existing.group());
        } catch (IOException e) {
            throw new IOException(
                    "cannot keep the owner " + existing.owner().getName() + ":"
                            + existing.group().getName() + " of " + target + ": " + e.getMessage(),
                    e);
        }
    }

    private static String randomSuffix() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
