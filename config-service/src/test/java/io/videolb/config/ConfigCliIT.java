package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.Corpus;
import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.publish.TopicProbe;
import io.videolb.events.DesiredRecords;
import io.videolb.events.Topics;
import io.videolb.kafka.KafkaSettings;
import io.videolb.runtime.ExitCode;
import io.videolb.testsupport.kafka.SharedBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code videolb import DIR} against the embedded broker: the whole path from CSV files to the folded topic. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConfigCliIT {
    @TempDir
    Path tmp;

    private Topics brokenCaseTopics;
    private final KafkaSettings probe = SharedBroker.settings("probe");

    private record Run(ExitCode exit, String out, String err) {}

    private static Run importDir(Path dir, Topics topics) {
        return importDir(dir, topics, false);
    }

    private static Run importDir(Path dir, Topics topics, boolean force) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode exit = ConfigCli.importDir(
                dir,
                SharedBroker.bootstrapServers(),
                topics,
                "cli-test",
                io.videolb.config.csv.CsvLimits.DEFAULT,
                Duration.ofSeconds(60),
                force,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Straight to Kafka too: files that would remove most client entries publish nothing unless forced. */
    @Test
    void aTruncatedClientListIsRefusedUnlessForced(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Topics topics = SharedBroker.uniqueTopics("cli-truncated");
        io.videolb.model.DesiredState full = io.videolb.config.bench.StateGenerator.state(300, 0);
        for (var e : io.videolb.config.csv.CsvExport.files(full).entrySet())
            java.nio.file.Files.writeString(tmp.resolve(e.getKey()), e.getValue());
        assertThat(importDir(tmp, topics).exit()).isEqualTo(ExitCode.OK);
        String clients = java.nio.file.Files.readString(tmp.resolve("client-list.csv"));
        java.nio.file.Files.writeString(
                tmp.resolve("client-list.csv"), clients.substring(0, clients.indexOf('\n', clients.length() / 3) + 1));
        long desiredEnd = TopicProbe.endOffset(probe, topics.desired());

        Run refused = importDir(tmp, topics);
        assertThat(refused.exit()).isEqualTo(ExitCode.FAILED);
        assertThat(refused.err()).contains("of the 300 client entries").contains("--force");
        assertThat(TopicProbe.endOffset(probe, topics.desired())).isEqualTo(desiredEnd);

        Run forced = importDir(tmp, topics, true);
        assertThat(forced.exit()).as(forced.err()).isEqualTo(ExitCode.OK);
        assertThat(forced.out()).startsWith("generation 2 (");
    }

    @BeforeAll
    void importTheValidSetOnceForTheBrokenCases() {
        brokenCaseTopics = SharedBroker.uniqueTopics("cli-broken");
        assertThat(importDir(Corpus.valid(), brokenCaseTopics).exit()).isEqualTo(ExitCode.OK);
    }

    @Test
    void importThenReimportThenAChangedFilePublishesExactlyTheDifferences() throws Exception {
        Topics topics = SharedBroker.uniqueTopics("cli-import");
        Path dir = Files.createDirectories(tmp.resolve("set"));
        try (Stream<Path> s = Files.list(Corpus.valid())) {
            for (Path f : s.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }

        Run first = importDir(dir, topics);
        assertThat(first.exit()).as(first.err()).isEqualTo(ExitCode.OK);
        assertThat(first.out()).contains("generation 1 (");
        TopicProbe.Folded folded = TopicProbe.fold(probe, topics.desired());
        var expected = ((CsvReadResult.Valid) new CsvConfigReader().read(dir)).state();
        assertThat(folded.entities()).isEqualTo(DesiredRecords.encode(expected));
        assertThat(folded.latest().orElseThrow().generation()).isEqualTo(1);
        long desiredEnd = TopicProbe.endOffset(probe, topics.desired());
        long auditEnd = TopicProbe.endOffset(probe, topics.audit());

        Run again = importDir(dir, topics);
        assertThat(again.exit()).isEqualTo(ExitCode.OK);
        assertThat(again.out()).contains("unchanged (generation 1)");
        assertThat(TopicProbe.endOffset(probe, topics.desired())).isEqualTo(desiredEnd);
        assertThat(TopicProbe.endOffset(probe, topics.audit())).isEqualTo(auditEnd);

        Files.writeString(
                dir.resolve("client-list.csv"), "IP,fwmark\n203.0.113.21,10\n203.0.113.22,20\n203.0.113.23,10\n");
        Run changed = importDir(dir, topics);
        assertThat(changed.exit()).isEqualTo(ExitCode.OK);
        assertThat(changed.out()).contains("generation 2 (1 added or changed, 0 removed)");
        Map<String, String> written = TopicProbe.asMap(TopicProbe.readFrom(probe, topics.desired(), desiredEnd));
        assertThat(written.keySet()).containsExactlyInAnyOrder("client/203.0.113.23/32", DesiredRecords.GENERATION);
        assertThat(TopicProbe.fold(probe, topics.desired()).entities())
                .isEqualTo(DesiredRecords.encode(((CsvReadResult.Valid) new CsvConfigReader().read(dir)).state()));
    }

    static List<String> brokenCases() throws Exception {
        return Corpus.caseNames().stream()
                .filter(c -> {
                    try {
                        return !Corpus.expected(c).isEmpty();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCases")
    void aBrokenFileSetPublishesNothingAndExitsWithOne(String name) throws Exception {
        Path dir = Corpus.materialize(name, tmp);
        long desiredEnd = TopicProbe.endOffset(probe, brokenCaseTopics.desired());
        long auditEnd = TopicProbe.endOffset(probe, brokenCaseTopics.audit());

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExitCode exit = ConfigCli.importDir(
                dir,
                SharedBroker.bootstrapServers(),
                brokenCaseTopics,
                "cli-test",
                Corpus.limits(name),
                Duration.ofSeconds(60),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exit).isEqualTo(ExitCode.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(Corpus.expected(name).get(0))
                .contains("nothing published");
        assertThat(TopicProbe.endOffset(probe, brokenCaseTopics.desired())).isEqualTo(desiredEnd);
        assertThat(TopicProbe.endOffset(probe, brokenCaseTopics.audit())).isEqualTo(auditEnd);
    }
}
