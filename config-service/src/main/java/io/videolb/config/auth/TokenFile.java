package io.videolb.config.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Bearer tokens of the admin API, loaded from a file that holds only their SHA-256 hashes.
 *
 * <pre>
 * # name:role:sha256-hex-of-the-token
 * ops-admin:admin:4f1c...e2
 * grafana:read:9a0b...77
 * </pre>
 *
 * Tokens are long random strings (at least 32 characters recommended), so one unsalted SHA-256 is
 * enough: nothing to brute-force, and a stolen file gives no usable token. Every presented token is
 * hashed and compared with every entry via {@link MessageDigest#isEqual} (constant time, no early
 * exit), so the response time does not tell which entry, or how much of a hash, matched.
 */
public final class TokenFile {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    /** Longest token accepted in a header (longer ones are refused before hashing). */
    private static final int MAX_TOKEN_LENGTH = 512;

    private record Entry(String name, Role role, byte[] hash) {}

    private final List<Entry> entries;

    private TokenFile(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** Reads and checks a token file; the message of the exception names the line. */
    public static TokenFile load(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    public static TokenFile parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = source + ":" + (i + 1) + ": ";
            String[] parts = line.split(":", -1);
            if (parts.length != 3) throw new IllegalArgumentException(where + "want name:role:sha256hex");
            if (!NAME.matcher(parts[0]).matches())
                throw new IllegalArgumentException(where + "name must match " + NAME);
            if (!names.add(parts[0]))
                throw new IllegalArgumentException(where + "name " + parts[0] + " is listed twice");
            Role role;
            try {
                role = Role.parse(parts[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
            String hex = parts[2].toLowerCase(java.util.Locale.ROOT);
            if (!HEX.matcher(hex).matches())
                throw new IllegalArgumentException(where + "hash must be 64 hex digits (SHA-256)");
            entries.add(new Entry(parts[0], role, HexFormat.of().parseHex(hex)));
        }
        if (entries.isEmpty()) throw new IllegalArgumentException(source + ": no token");
        return new TokenFile(entries);
    }

    /** A token file line for {@code token}: what an operator appends to the file. */
    public static String line(String name, Role role, String token) {
        return name + ":" + role.name().toLowerCase(java.util.Locale.ROOT) + ":" + sha256Hex(token);
    }

    private static String sha256Hex(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The principal of a presented token, if it matches an entry. */
    public Optional<Principal> authenticate(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) return Optional.empty();
        byte[] presented = sha256(token);
        Entry match = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(presented, e.hash()) && match == null) match = e;
        }
        return match == null ? Optional.empty() : Optional.of(new Principal(match.name(), match.role()));
    }

    public int size() {
        return entries.size();
    }
}
