package io.videolb.runtime.settings;

import io.videolb.model.FieldText;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict reader of {@code KEY=VALUE} files (the settings file, the Kafka client properties file).
 * Unlike {@link java.util.Properties} it refuses a duplicate key instead of keeping the last one, and
 * every entry keeps its line number so that errors name {@code file:line}.
 *
 * <p>Format: one {@code KEY=VALUE} (or {@code KEY: VALUE}) per line, blanks around the separator are
 * ignored; lines starting with {@code #} or {@code !} and blank lines are skipped; a line ending in an odd
 * number of backslashes continues on the next line (leading blanks of the continuation are dropped), as
 * in Java properties files, e.g. for {@code sasl.jaas.config}. No other escapes: a backslash elsewhere is kept.
 */
public final class PropertiesFile {

    /** One entry: {@code line} is where its key is (1-based). */
    public record Entry(String key, String value, int line) {}

    private final Path file;
    private final List<Entry> entries;

    private PropertiesFile(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    /**
     * Reads and parses {@code file}.
     *
     * @param what what the file is, for the error when it cannot be read (e.g. {@code VIDEOLB_SETTINGS_FILE})
     * @throws IllegalArgumentException naming {@code what} and the file when it is missing or unreadable, or
     *                                  {@code file:line} for a line without separator, an empty key or a duplicate key
     */
    public static PropertiesFile read(String what, Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + "='" + FieldText.escape(file.toString()) + "': not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException(what + "='" + FieldText.escape(file.toString())
                    + "': must be a readable file ("
                    + (Files.exists(file) ? "cannot read it: " + e.getClass().getSimpleName() : "it does not exist")
                    + ")");
        }
        return parse(file, text);
    }

    /** Parses {@code text} as the content of {@code file} (named in errors). */
    public static PropertiesFile parse(Path file, String text) {
        String[] lines = text.split("\r\n|\n|\r", -1);
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].stripLeading();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) continue;
            StringBuilder logical = new StringBuilder();
            while (endsWithContinuation(line)) {
                logical.append(line, 0, line.length() - 1);
                if (++i >= lines.length) {
                    line = "";
                    break;
                }
                line = lines[i].stripLeading();
            }
            logical.append(line);
            String l = logical.toString();
            int eq = l.indexOf('=');
            int colon = l.indexOf(':');
            int sep = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
            if (sep < 0)
                throw new IllegalArgumentException(
                        file + ":" + lineNo + ": expected KEY=VALUE, got '" + FieldText.escape(l, 80) + "'");
            String key = l.substring(0, sep).strip();
            String value = l.substring(sep + 1).strip();
            if (key.isEmpty()) throw new IllegalArgumentException(file + ":" + lineNo + ": empty key");
            Integer first = seen.putIfAbsent(key, lineNo);
            if (first != null) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": " + FieldText.escape(key, 100)
                        + " is set twice (first on line " + first + ")");
            }
            entries.add(new Entry(key, value, lineNo));
        }
        return new PropertiesFile(file, entries);
    }

    private static boolean endsWithContinuation(String line) {
        int n = 0;
        for (int i = line.length() - 1; i >= 0 && line.charAt(i) == '\\'; i--) n++;
        return n % 2 == 1;
    }

    public Path file() {
        return file;
    }

    /** Entries in file order. */
    public List<Entry> entries() {
        return entries;
    }

    /** {@code file:line} of an entry, for error messages. */
    public String where(Entry e) {
        return file + ":" + e.line();
    }
}
