package io.videolb.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.DuplicateKeyException;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a YAML file strictly: a key given twice in one mapping is an error naming the file, the line of the second
 * and of the first (docker-compose's PyYAML silently keeps the last one: issue 14's duplicated {@code volumes:} under
 * alert-service dropped an environment variable without a word). Safe types only, no aliases expansion bombs
 * (SnakeYAML's default alias limit).
 */
final class StrictYaml {
    private StrictYaml() {}

    static Object load(Path file) throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return new Yaml(new SafeConstructor(options)).load(in);
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException(
                    file + ":" + line(e) + ": " + e.getProblem() + " (the mapping starts on line "
                            + (e.getContextMark() == null
                                    ? "?"
                                    : e.getContextMark().getLine() + 1) + ")",
                    e);
        } catch (MarkedYAMLException e) {
            throw new IllegalArgumentException(file + ":" + line(e) + ": " + e.getProblem(), e);
        }
    }

    private static String line(MarkedYAMLException e) {
        return e.getProblemMark() == null
                ? "?"
                : Integer.toString(e.getProblemMark().getLine() + 1);
    }
}
