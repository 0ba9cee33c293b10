package io.videolb.config.csv;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CR, LF, NUL, TAB, DEL, U+2028 and a leading '-' in every field of every file (generated from a
 * table): each gives an error at that file, line 2 and field, and nothing printed carries the raw
 * character.
 */
class FieldInjectionTest {
    @TempDir
    Path tmp;

    /** file, the columns of its line 2 in the valid set. */
    private static final List<Object[]> ROWS = List.of(
            new Object[] {"param.csv", new String[] {"field", "value"}, new String[] {"lvsIP", "198.51.100.10"}},
            new Object[] {"client-list.csv", new String[] {"IP", "fwmark"}, new String[] {"203.0.113.21", "10"}},
            new Object[] {
                "fwmark-routing-list.csv",
                new String[] {"fwmark", "server", "schedule"},
                new String[] {"10", "192.0.2.11", "rr"}
            },
            new Object[] {
                "realserver-backup-list.csv", new String[] {"RIP", "backup"}, new String[] {"192.0.2.11", "192.0.2.21"}
            });

    /** name, how to damage a value, the message expected. */
    private static final List<String[]> DAMAGE = List.of(
            new String[] {"CR", "\r", "contains a carriage return (CR) at position 2"},
            new String[] {"LF", "\n", "contains a line feed (LF) at position 2"},
            new String[] {"NUL", "\0", "contains a NUL character at position 2"},
            new String[] {"TAB", "\t", "contains control character U+0009 at position 2"},
            new String[] {"DEL", "\u007f", "contains control character U+007F at position 2"},
            new String[] {"LS", "\u2028", "contains control character U+2028 at position 2"},
            new String[] {"leading-dash", "-", "starts with '-'"});

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Object[] row : ROWS) {
            String[] cols = (String[]) row[1];
            for (int c = 0; c < cols.length; c++) {
                for (String[] d : DAMAGE) out.add(Arguments.of(row[0], c, cols[c], d[0], d[1], d[2]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{3} in {0} column {2}")
    @MethodSource("cases")
    void aBadCharacterInAnyFieldIsReportedAtItsFileLineAndField(
            String file, int column, String field, String damageName, String damage, String message) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("set"));
        for (String f :
                List.of("param.csv", "client-list.csv", "fwmark-routing-list.csv", "realserver-backup-list.csv")) {
            Files.copy(Corpus.valid().resolve(f), dir.resolve(f));
        }
        String[] values = null;
        for (Object[] row : ROWS) if (row[0].equals(file)) values = ((String[]) row[2]).clone();
        values[column] = damage.equals("-")
                ? "-" + values[column]
                : values[column].charAt(0) + damage + values[column].substring(1);
        String line = Stream.of(values)
                .map(v -> "\"" + v.replace("\"", "\"\"") + "\"")
                .collect(Collectors.joining(","));
        List<String> lines = new ArrayList<>(Files.readAllLines(dir.resolve(file)));
        lines.set(1, line);
        Files.writeString(dir.resolve(file), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);

        CsvReadResult result = new CsvConfigReader().read(dir);

        assertThat(result).isInstanceOf(CsvReadResult.Invalid.class);
        List<String> printed = ((CsvReadResult.Invalid) result)
                .problems().stream().map(Problem::toString).toList();
        // param.csv names the parameter (lvsIP), not the column, in its errors
        String prefix = file + ":2: " + (file.equals("param.csv") && field.equals("value") ? "lvsIP" : field) + ": ";
        if (file.equals("param.csv") && field.equals("field")) {
            assertThat(printed).anySatisfy(p -> assertThat(p).startsWith(prefix + "unknown parameter '"));
            assertThat(printed).contains("param.csv:0: lvsIP: is missing (param.csv needs a row 'lvsIP,VALUE')");
        } else {
            assertThat(printed).anySatisfy(p -> assertThat(p).startsWith(prefix).contains(message));
        }
        for (String p : printed) {
            assertThat(p.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f || ch == 0x2028))
                    .as("raw control character in %s", p)
                    .isTrue();
        }
    }
}
