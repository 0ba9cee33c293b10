package io.videolb.config.csv;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.Problem;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MalformedCorpusTest {
    @TempDir
    Path tmp;

    static List<String> cases() {
        return Corpus.caseNames();
    }

    @Test
    void theCorpusHasACaseForEveryRuleOfTheBrief() {
        assertThat(cases())
                .contains(
                        "octal-client-ip",
                        "client-slash-zero",
                        "client-host-bits-set",
                        "client-fwmark-zero",
                        "client-fwmark-hex",
                        "client-fwmark-2-pow-32",
                        "unknown-scheduler",
                        "bom-is-valid",
                        "crlf-is-valid",
                        "quoted-comma-in-client",
                        "wrong-header-clients",
                        "duplicate-client-two-marks",
                        "dangling-client-mark",
                        "backup-equals-server",
                        "backup-cycle",
                        "backup-is-vip",
                        "oversize-file")
                .hasSizeGreaterThan(60);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachCaseYieldsExactlyItsExpectedErrors(String name) throws Exception {
        Path dir = Corpus.materialize(name, tmp);
        List<String> expected = Corpus.expected(name);

        CsvReadResult result = new CsvConfigReader(Corpus.limits(name)).read(dir);

        if (expected.isEmpty()) {
            assertThat(result)
                    .as("case %s should be valid, got %s", name, result)
                    .isInstanceOf(CsvReadResult.Valid.class);
            return;
        }
        assertThat(result).as("case %s", name).isInstanceOf(CsvReadResult.Invalid.class);
        List<String> printed = ((CsvReadResult.Invalid) result)
                .problems().stream().map(Problem::toString).toList();
        assertThat(printed)
                .as("case %s printed:%n%s", name, String.join("\n", printed))
                .hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(printed.get(i)).as("case %s error %d", name, i + 1).contains(expected.get(i));
        }
        for (String line : printed) {
            assertThat(line.chars().noneMatch(c -> c < 0x20 || c == 0x7f))
                    .as("no raw control character in %s", line)
                    .isTrue();
        }
    }

    @Test
    void theValidSetIsTheExamplesDirectoryOfTheRepository() throws Exception {
        Path examples = Path.of("..", "examples").toAbsolutePath().normalize();
        assertThat(new CsvConfigReader().read(examples)).isInstanceOf(CsvReadResult.Valid.class);
        assertThat(new CsvConfigReader().read(examples)).isEqualTo(new CsvConfigReader().read(Corpus.valid()));
        String joined = cases().stream().collect(Collectors.joining(","));
        assertThat(joined).isNotEmpty();
    }
}
