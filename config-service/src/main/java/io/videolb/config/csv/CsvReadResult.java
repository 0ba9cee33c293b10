package io.videolb.config.csv;

import io.videolb.model.DesiredState;
import io.videolb.model.Problem;
import java.util.List;
import java.util.Objects;

/** The outcome of reading a CSV file set: a valid desired state, or every problem found. */
public sealed interface CsvReadResult permits CsvReadResult.Valid, CsvReadResult.Invalid {

    /**
     * The files are valid.
     *
     * @param notes things worth telling the operator that are not errors (identical duplicate rows)
     */
    record Valid(DesiredState state, List<String> notes) implements CsvReadResult {
        public Valid {
            Objects.requireNonNull(state, "state");
            notes = List.copyOf(notes);
        }
    }

    /** The files are not valid: every problem, sorted by file, line and field. */
    record Invalid(List<Problem> problems) implements CsvReadResult {
        public Invalid {
            problems = problems.stream().sorted().distinct().toList();
            if (problems.isEmpty()) throw new IllegalArgumentException("an invalid result needs at least one problem");
        }
    }
}
