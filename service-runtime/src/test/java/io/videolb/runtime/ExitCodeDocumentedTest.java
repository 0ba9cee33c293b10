package io.videolb.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/cli.md's exit-code table and {@link ExitCode} list the same codes with the same names, and the docs use no other code. */
class ExitCodeDocumentedTest {
    private static final Path CLI_DOC = Path.of("..", "docs", "cli.md");
    private static final Pattern ROW = Pattern.compile("^\\| (\\d+) \\| `([A-Z_]+)` \\| ([^|]+) \\| ([^|]+) \\|$");
    private static final Pattern CODE_IN_EXIT_SENTENCE = Pattern.compile("(?<![\\w.-])(\\d+)(?![\\w.])");

    @Test
    void everyCodeIsDocumentedOnceAndTheTableHasNoOther() throws IOException {
        Map<Integer, String> documented = new LinkedHashMap<>();
        for (String line : exitCodeSection()) {
            Matcher m = ROW.matcher(line);
            if (!m.matches()) continue;
            String previous = documented.put(Integer.parseInt(m.group(1)), m.group(2));
            assertThat(previous).as("code %s documented twice", m.group(1)).isNull();
            assertThat(m.group(3).strip()).as("meaning of %s", m.group(2)).isNotEmpty();
            assertThat(m.group(4).strip()).as("commands using %s", m.group(2)).isNotEmpty();
        }
        Map<Integer, String> declared = Arrays.stream(ExitCode.values())
                .collect(Collectors.toMap(ExitCode::code, ExitCode::name, (a, b) -> a + "," + b, LinkedHashMap::new));
        assertThat(documented).isEqualTo(declared);
    }

    @Test
    void codesAreDistinctAndKeepTheShellMeaningsOfZeroOneAndTwo() {
        assertThat(Arrays.stream(ExitCode.values())
                        .map(ExitCode::code)
                        .distinct()
                        .count())
                .isEqualTo(ExitCode.values().length);
        assertThat(ExitCode.OK.code()).isZero();
        assertThat(ExitCode.FAILED.code()).isEqualTo(1);
        assertThat(ExitCode.USAGE.code()).isEqualTo(2);
    }

    /** Every "Exit: ..." sentence of the subcommands' sections names only codes of the enum. */
    @Test
    void theSubcommandSectionsNameOnlyCodesOfTheEnum() throws IOException {
        Set<Integer> declared =
                Arrays.stream(ExitCode.values()).map(ExitCode::code).collect(Collectors.toSet());
        List<String> lines = Files.readAllLines(CLI_DOC, StandardCharsets.UTF_8);
        Set<Integer> named = new TreeSet<>();
        int sentences = 0;
        for (int i = 0; i < lines.size(); i++) {
            int at = lines.get(i).indexOf("Exit:");
            if (at < 0) continue;
            sentences++;
            // the sentence may go on over the next line (it ends at the first blank line or heading)
            StringBuilder text = new StringBuilder(lines.get(i).substring(at + "Exit:".length()));
            for (int j = i + 1;
                    j < lines.size()
                            && !lines.get(j).isBlank()
                            && !lines.get(j).startsWith("#")
                            && !lines.get(j).contains("Exit:");
                    j++) {
                if (!lines.get(j - 1).stripTrailing().endsWith(",")
                        && !lines.get(j - 1).stripTrailing().endsWith(";")) break;
                text.append(' ').append(lines.get(j));
            }
            Matcher m = CODE_IN_EXIT_SENTENCE.matcher(text);
            while (m.find()) named.add(Integer.parseInt(m.group(1)));
        }
        assertThat(sentences).as("Exit: sentences in docs/cli.md").isGreaterThan(10);
        assertThat(declared).containsAll(named);
        assertThat(named).as("codes named by the subcommands").containsAll(declared);
    }

    private static List<String> exitCodeSection() throws IOException {
        List<String> lines = Files.readAllLines(CLI_DOC, StandardCharsets.UTF_8);
        int start = lines.indexOf("## Exit codes");
        assertThat(start).as("a '## Exit codes' section in docs/cli.md").isNotNegative();
        int end = start + 1;
        while (end < lines.size() && !lines.get(end).startsWith("## ")) end++;
        return lines.subList(start, end);
    }
}
