package io.videolb.config.desired;

import io.videolb.events.DesiredSnapshot;
import io.videolb.model.DesiredState;
import io.videolb.model.Problem;
import java.util.List;
import java.util.Optional;

/**
 * What the admin API needs from the owner of the desired state (config-service's
 * DesiredStatePublisher satisfies it with a one-line adapter): the committed snapshot, and a
 * compare-and-publish that writes a whole new state as one generation only if the current
 * generation is still {@code expectedGeneration}.
 */
public interface DesiredStore {

    /** The last committed generation; empty before the first publication. */
    Optional<DesiredSnapshot> current();

    /** Generation of {@link #current()}, 0 when nothing has been published. */
    default long generation() {
        return current().map(DesiredSnapshot::generation).orElse(0L);
    }

    /** Publishes {@code next} as one generation if the committed generation is {@code expectedGeneration}. Blocking. */
    Outcome publishIfGeneration(long expectedGeneration, DesiredState next, String source, String actor);

    /**
     * Why a write would not be taken now (the Kafka cluster cannot take writes: no leader, under
     * {@code min.insync.replicas}, unreachable); empty when it would. Never blocks: the admin API answers 503 at once.
     */
    default Optional<String> writeRefusal() {
        return Optional.empty();
    }

    /** Every generation the history topic holds now (read on each call). Blocking. */
    default io.videolb.events.GenerationHistory history() {
        throw new UnsupportedOperationException("this store keeps no generation history");
    }

    /** Publishes an operator's director command (promote) with its audit event. Blocking. */
    default void sendDirectorRequest(io.videolb.events.DirectorRequest command) {
        sendDirectorRequest(command, "");
    }

    /** As {@link #sendDirectorRequest(io.videolb.events.DirectorRequest)}; {@code note} (may be empty) ends the audit summary. */
    default void sendDirectorRequest(io.videolb.events.DirectorRequest command, String note) {
        throw new UnsupportedOperationException("this store cannot publish director commands");
    }

    /** The result of one compare-and-publish. */
    sealed interface Outcome permits Published, Unchanged, Conflict, Rejected, Failed, Unknown {}

    /** Kafka did not commit it and it never will (aborted, or refused before anything was sent): nothing written. */
    record Failed(long generation, String reason) implements Outcome {}

    /**
     * The commit was sent but not confirmed: generation {@code checkGeneration} holds this write if it was
     * committed after all; the store resolves it (re-reads the topic) before its next write.
     */
    record Unknown(long checkGeneration, String reason) implements Outcome {}

    /** A new generation was committed with {@code changes} entity records. */
    record Published(long generation, int changes) implements Outcome {}

    /** The state equals the committed one: nothing written. */
    record Unchanged(long generation) implements Outcome {}

    /** The committed generation is no longer the expected one: nothing written. */
    record Conflict(long expected, long current) implements Outcome {}

    /** The state breaks the rules (DesiredStateRules): nothing written. */
    record Rejected(List<Problem> problems) implements Outcome {
        public Rejected {
            problems = List.copyOf(problems);
        }
    }
}
