package io.videolb.config.publish;

import io.videolb.events.DesiredSnapshot;
import io.videolb.model.Problem;
import java.util.List;
import java.util.Objects;

/** What one publish did. */
public sealed interface PublishResult permits PublishResult.Published, PublishResult.Unchanged, PublishResult.Rejected {

    /** The generation whose state is committed after this call (0: nothing was ever published). */
    long generation();

    /** A new generation was committed, with {@code changes} entity records (puts and tombstones). */
    record Published(long generation, int changes, int puts, int deletes, DesiredSnapshot snapshot)
            implements PublishResult {
        public Published {
            Objects.requireNonNull(snapshot, "snapshot");
        }
    }

    /** The state equals the committed one: nothing was written. */
    record Unchanged(long generation) implements PublishResult {}

    /** The state breaks {@link io.videolb.model.DesiredStateRules}: nothing was written. */
    record Rejected(long generation, List<Problem> problems) implements PublishResult {
        public Rejected {
            problems = List.copyOf(problems);
        }
    }
}
