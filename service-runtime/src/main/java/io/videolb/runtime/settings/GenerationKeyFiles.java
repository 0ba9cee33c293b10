package io.videolb.runtime.settings;

import io.videolb.events.GenerationKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The files that hold generation keys (issue 13): one line, the secret in base64 (at least
 * {@link GenerationKeys#MIN_KEY_BYTES} bytes once decoded). A file that its group or others can read or write is
 * refused, as is a symbolic link: the key signs what a root process applies to the kernel.
 */
public final class GenerationKeyFiles {
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private GenerationKeyFiles() {}

    /**
     * Reads the key in {@code file}; errors name the setting and the file.
     *
     * @throws IllegalArgumentException missing, a symbolic link, readable by group or others, or not a key
     */
    public static GenerationKeys.Key read(String setting, Path file) {
        String where = setting + "=" + file;
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS))
            throw new IllegalArgumentException(where + ": the generation key file does not exist");
        if (Files.isSymbolicLink(file))
            throw new IllegalArgumentException(where + ": is a symbolic link; give the key file itself");
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            for (PosixFilePermission p : perms) {
                if (GROUP_OR_OTHERS.contains(p)) {
                    throw new IllegalArgumentException(where + ": mode " + PosixFilePermissions.toString(perms)
                            + " lets group or others read or write the generation key; chmod 600 it");
                }
            }
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            byte[] secret;
            try {
                secret = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ":1: key: not base64 (" + e.getMessage() + ")");
            }
            if (secret.length < GenerationKeys.MIN_KEY_BYTES) {
                throw new IllegalArgumentException(where + ":1: key: " + secret.length + " bytes, at least "
                        + GenerationKeys.MIN_KEY_BYTES + " needed (`head -c 32 /dev/urandom | base64`)");
            }
            return GenerationKeys.Key.of(secret);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Creates {@code file} with a new random 32-byte key, mode 0600 from its creation, unless it exists (standalone's
     * first start). Returns whether it was created.
     */
    public static boolean createIfMissing(Path file) throws IOException {
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return false;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                file,
                Base64.getEncoder().encodeToString(secret) + "\n",
                StandardCharsets.US_ASCII,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING,
                LinkOption.NOFOLLOW_LINKS);
        return true;
    }
}
