package io.videolb.config;

import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvLimits;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.MassRemovalGuard;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.GenerationMarker;
import io.videolb.events.Topics;
import io.videolb.kafka.PublishException;
import io.videolb.kafka.TopicAdmin;
import io.videolb.model.FieldText;
import io.videolb.model.Problem;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.KafkaConnection;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The logic of {@code videolb validate DIR} and {@code videolb import DIR --bootstrap HOST:PORT},
 * as plain methods returning exit codes (the launcher wires them into picocli):
 * {@link ExitCode#OK}, {@link ExitCode#FAILED} (invalid files or refused, nothing published),
 * {@link ExitCode#KAFKA_FAILED} (Kafka unreachable or the publication failed, nothing published).
 */
public final class ConfigCli {

    private ConfigCli() {}

    /** Checks the CSV set without any broker; prints every problem as {@code file.csv:LINE: field: message} on {@code err}. */
    public static ExitCode validate(Path dir, CsvLimits limits, PrintStream out, PrintStream err) {
        CsvReadResult r = new CsvConfigReader(limits).read(dir);
        if (r instanceof CsvReadResult.Invalid invalid) {
            for (Problem p : invalid.problems()) err.println(p);
            err.println(invalid.problems().size() + " problem(s) in " + FieldText.escape(dir.toString(), 200));
            return ExitCode.FAILED;
        }
        CsvReadResult.Valid valid = (CsvReadResult.Valid) r;
        valid.notes().forEach(n -> err.println("note: " + n));
        out.println(FieldText.escape(dir.toString(), 200) + ": valid ("
                + valid.state().clients().size() + " clients, "
                + valid.state().pools().size() + " pools, "
                + valid.state().backups().size() + " backups)");
        return ExitCode.OK;
    }

    public static ExitCode validate(Path dir, PrintStream out, PrintStream err) {
        return validate(dir, CsvLimits.DEFAULT, out, err);
    }

    /**
     * Validates, then publishes as one generation; prints "generation N (...)" or "unchanged (generation N)".
     * Nothing reaches the broker when the files are invalid.
     */
    public static ExitCode importDir(
            Path dir, String bootstrapServers, Topics topics, String actor, PrintStream out, PrintStream err) {
        return importDir(dir, bootstrapServers, topics, actor, CsvLimits.DEFAULT, Duration.ofSeconds(120), out, err);
    }

    public static ExitCode importDir(
            Path dir,
            String bootstrapServers,
            Topics topics,
            String actor,
            CsvLimits limits,
            Duration timeout,
            PrintStream out,
            PrintStream err) {
        return importDir(dir, bootstrapServers, topics, actor, limits, timeout, false, out, err);
    }

    /** As above; {@code force}: publish even when the files would remove most client entries ({@link MassRemovalGuard}). */
    public static ExitCode importDir(
            Path dir,
            String bootstrapServers,
            Topics topics,
            String actor,
            boolean force,
            PrintStream out,
            PrintStream err) {
        return importDir(
                dir, bootstrapServers, topics, actor, CsvLimits.DEFAULT, Duration.ofSeconds(120), force, out, err);
    }

    public static ExitCode importDir(
            Path dir,
            String bootstrapServers,
            Topics topics,
            String actor,
            CsvLimits limits,
            Duration timeout,
            boolean force,
            PrintStream out,
            PrintStream err) {
        return importDir(dir, KafkaConnection.plain(bootstrapServers), topics, actor, limits, timeout, force, out, err);
    }

    /** As above over {@code kafka} (its client properties: SASL, TLS). */
    public static ExitCode importDir(
            Path dir,
            KafkaConnection kafka,
            Topics topics,
            String actor,
            boolean force,
            PrintStream out,
            PrintStream err) {
        return importDir(dir, kafka, topics, actor, CsvLimits.DEFAULT, Duration.ofSeconds(120), force, out, err);
    }

    public static ExitCode importDir(
            Path dir,
            KafkaConnection kafka,
            Topics topics,
            String actor,
            CsvLimits limits,
            Duration timeout,
            boolean force,
            PrintStream out,
            PrintStream err) {
        CsvReadResult r = new CsvConfigReader(limits).read(dir);
        if (r instanceof CsvReadResult.Invalid invalid) {
            for (Problem p : invalid.problems()) err.println(p);
            err.println(invalid.problems().size() + " problem(s); nothing published");
            return ExitCode.FAILED;
        }
        CsvReadResult.Valid valid = (CsvReadResult.Valid) r;
        valid.notes().forEach(n -> err.println("note: " + n));
        try {
            TopicAdmin.ensure(kafka.settings("videolb-import-topic-admin"), topics, kafka.topicReplication());
            try (DesiredStatePublisher publisher = DesiredStatePublisher.start(
                    kafka.settings("videolb-import"),
                    topics,
                    DesiredStatePublisher.defaultTransactionalId(topics),
                    timeout,
                    kafka.trust().generations())) {
                Optional<String> refused = force
                        ? Optional.empty()
                        : MassRemovalGuard.DEFAULT.refusal(
                                publisher.current().map(DesiredSnapshot::state).orElse(null), valid.state());
                if (refused.isPresent()) {
                    err.println(FieldText.escape(dir.toString(), 200) + ": " + refused.get());
                    return ExitCode.FAILED;
                }
                PublishResult result = publisher.publish(
                        valid.state(),
                        GenerationMarker.FILE_IMPORT_PREFIX
                                + dir.toAbsolutePath().normalize(),
                        actor);
                if (result instanceof PublishResult.Rejected rejected) {
                    rejected.problems().forEach(err::println);
                    return ExitCode.FAILED;
                }
                out.println(describe(result));
                return ExitCode.OK;
            }
        } catch (PublishException | IllegalStateException e) {
            err.println("import failed, nothing published: " + FieldText.escape(String.valueOf(e.getMessage()), 500));
            return ExitCode.KAFKA_FAILED;
        }
    }

    /** One line for an operator. */
    public static String describe(PublishResult r) {
        if (r instanceof PublishResult.Published p) {
            return "generation " + p.generation() + " (" + p.puts() + " added or changed, " + p.deletes() + " removed)";
        }
        if (r instanceof PublishResult.Unchanged u) return "unchanged (generation " + u.generation() + ")";
        return "rejected: " + ((PublishResult.Rejected) r).problems().size() + " problem(s)";
    }
}
