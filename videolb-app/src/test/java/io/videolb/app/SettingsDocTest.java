package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.runtime.settings.SettingsTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/settings.md lists exactly the declared settings (variable, flag, default, range, service): it cannot drift. */
class SettingsDocTest {
    static final String BEGIN =
            "<!-- settings-table:begin (generated from the declarations; SettingsDocTest checks it) -->\n";
    static final String END = "<!-- settings-table:end -->";

    @Test
    void theDocumentedTableIsTheDeclaredOne() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "settings.md"), StandardCharsets.UTF_8);
        int b = doc.indexOf(BEGIN);
        int e = doc.indexOf(END);
        assertThat(b).as("docs/settings.md has the begin marker").isNotNegative();
        assertThat(e).as("docs/settings.md has the end marker").isGreaterThan(b);
        String expected = SettingsTable.markdown(CliSettings.ALL);
        String documented = doc.substring(b + BEGIN.length(), e);
        if (!documented.equals(expected)) {
            Path fresh = Path.of("target", "settings-table.md");
            Files.writeString(fresh, expected, StandardCharsets.UTF_8);
            assertThat(documented)
                    .as("docs/settings.md differs from the declarations; the declared table is in "
                            + fresh.toAbsolutePath())
                    .isEqualTo(expected);
        }
    }
}
