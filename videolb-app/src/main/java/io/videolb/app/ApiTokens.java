package io.videolb.app;

import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.runtime.files.SafeFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The admin API tokens of {@code videolb standalone}. On the first start (no {@code DATA/api-tokens})
 * one admin and one read-only token are generated with {@link SecureRandom} (32 bytes, hex); the
 * token file keeps only their SHA-256 hashes ({@link TokenFile} format), the plain tokens go to
 * {@code DATA/admin-token} and {@code DATA/read-token}, both mode 0600. A later start reuses the
 * files; an operator-written {@code api-tokens} is never touched.
 */
final class ApiTokens {
    static final String TOKEN_FILE = "api-tokens";
    static final String ADMIN_TOKEN = "admin-token";
    static final String READ_TOKEN = "read-token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /**
     * Where the admin API tokens of a data dir are.
     *
     * @param tokenFile  the hashes, for the admin API
     * @param adminToken the plain admin token's file, if videolb generated it (null when the operator manages tokens)
     * @param generated  true if this call created the tokens
     */
    record TokenPaths(Path tokenFile, Path adminToken, boolean generated) {}

    private ApiTokens() {}

    static TokenPaths ensure(Path dataDir) {
        return ensure(dataDir, new SecureRandom());
    }

    static TokenPaths ensure(Path dataDir, SecureRandom random) {
        Path tokens = dataDir.resolve(TOKEN_FILE);
        Path admin = dataDir.resolve(ADMIN_TOKEN);
        try {
            if (Files.exists(tokens)) {
                TokenFile.load(tokens); // fail early, naming the line, if it is damaged
                return new TokenPaths(tokens, Files.isRegularFile(admin) ? admin : null, false);
            }
            String adminToken = newToken(random);
            String readToken = newToken(random);
            writeOwnerOnly(admin, adminToken + "\n");
            writeOwnerOnly(dataDir.resolve(READ_TOKEN), readToken + "\n");
            // the token file last: its presence means "done"
            writeOwnerOnly(
                    tokens,
                    "# videolb standalone: generated tokens (name:role:sha256hex); plain tokens in "
                            + ADMIN_TOKEN + " and " + READ_TOKEN + "\n"
                            + TokenFile.line("standalone-admin", Role.ADMIN, adminToken) + "\n"
                            + TokenFile.line("standalone-read", Role.READ, readToken) + "\n");
            return new TokenPaths(tokens, admin, true);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot prepare the admin API tokens in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    static String newToken(SecureRandom random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Writes a secret: 0600 from the start, never through a link (service-runtime's {@link SafeFiles}). */
    private static void writeOwnerOnly(Path target, String text) throws IOException {
        SafeFiles.write(target, text, SafeFiles.Mode.SECRET);
    }
}
