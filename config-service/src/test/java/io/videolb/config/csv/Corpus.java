package io.videolb.config.csv;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The malformed-input corpus in src/test/resources/malformed: one directory per case, holding
 * only the files that differ from the valid set in src/test/resources/valid, plus
 * {@code expected.txt} (one expected error per line, in sorted order, each a prefix-or-substring
 * of the printed problem; empty = the set is valid), optionally {@code absent.txt} (files to
 * remove) and {@code limits.properties} (maxFileBytes, maxRows).
 */
public final class Corpus {
    private Corpus() {}

    public static Path resource(String name) {
        URL url = Corpus.class.getClassLoader().getResource(name);
        if (url == null) throw new IllegalStateException("test resource " + name + " not found");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path valid() {
        return resource("valid");
    }

    public static List<String> caseNames() {
        try (Stream<Path> s = Files.list(resource("malformed"))) {
            return s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds the case's full file set in {@code into} (valid set, overlaid, minus absent files). */
    public static Path materialize(String name, Path into) throws IOException {
        Path dir = Files.createDirectories(into.resolve(name));
        try (Stream<Path> s = Files.list(valid())) {
            for (Path f : s.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        Path src = resource("malformed/" + name);
        try (Stream<Path> s = Files.list(src)) {
            for (Path f :
                    s.filter(f -> f.getFileName().toString().endsWith(".csv")).toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path absent = src.resolve("absent.txt");
        if (Files.exists(absent)) {
            for (String f : Files.readAllLines(absent)) if (!f.isBlank()) Files.delete(dir.resolve(f.strip()));
        }
        return dir;
    }

    public static CsvLimits limits(String name) throws IOException {
        Path p = resource("malformed/" + name).resolve("limits.properties");
        if (!Files.exists(p)) return CsvLimits.DEFAULT;
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p)) {
            props.load(r);
        }
        return new CsvLimits(
                Long.parseLong(props.getProperty("maxFileBytes")), Integer.parseInt(props.getProperty("maxRows")));
    }

    public static List<String> expected(String name) throws IOException {
        return Files.readAllLines(resource("malformed/" + name).resolve("expected.txt"), StandardCharsets.UTF_8)
                .stream()
                .filter(l -> !l.isBlank())
                .toList();
    }
}
