package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.Corpus;
import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCliTest {
    @TempDir
    Path tmp;

    @Test
    void validateExitsZeroOnTheExamplesAndPrintsASummary() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode exit = ConfigCli.validate(
                Corpus.valid(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(ExitCode.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("valid (3 clients, 3 pools, 4 backups)");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void validateExitsOneAndPrintsEveryErrorAsFileLineFieldMessageOnStderr() throws Exception {
        Path dir = Corpus.materialize("duplicate-client-two-marks", tmp);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode exit = ConfigCli.validate(
                dir,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(ExitCode.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList())
                .containsExactly(
                        "client-list.csv:3: IP: client 203.0.113.22/32 is listed twice with different marks (line 3: 20, line 5: 10)",
                        "client-list.csv:5: IP: client 203.0.113.22/32 is listed twice with different marks (line 3: 20, line 5: 10)",
                        "2 problem(s) in " + dir);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
