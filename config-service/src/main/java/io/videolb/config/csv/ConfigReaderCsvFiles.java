package io.videolb.config.csv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@link CsvFiles} over config-service's {@link CsvConfigReader}: the request's file texts are
 * written to a private temporary directory (owner-only), read by the one CSV reader, and deleted.
 */
public final class ConfigReaderCsvFiles implements CsvFiles {
    private final CsvConfigReader reader;

    public ConfigReaderCsvFiles(CsvConfigReader reader) {
        this.reader = reader;
    }

    public ConfigReaderCsvFiles() {
        this(new CsvConfigReader());
    }

    @Override
    public Result read(Map<String, String> filesByName) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("videolb-api-csv");
            for (String name : NAMES) {
                String text = filesByName.get(name);
                if (text != null) Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
            }
            CsvReadResult r = reader.read(dir);
            if (r instanceof CsvReadResult.Valid v) return new Parsed(v.state());
            return new Invalid(((CsvReadResult.Invalid) r).problems());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) delete(dir);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp dir is harmless
        }
    }
}
