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

    /** Publishes an operator's director command (promote) with its audit event. Blocking. */
    default void sendDirectorCommand(io.videolb.events.DirectorCommand command) {
        throw new UnsupportedOperationException("this store cannot publish director commands");
    }

    /** The result of one compare-and-publish. */
    sealed interface Outcome permits Published, Unchanged, Conflict, Rejected {}

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
