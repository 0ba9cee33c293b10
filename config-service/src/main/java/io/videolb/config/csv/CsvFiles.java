package io.videolb.config.csv;

import io.videolb.model.DesiredState;
import io.videolb.model.Problem;
import java.util.List;
import java.util.Map;

/**
 * The CSV reader of config-service as the API sees it: the four files' contents by file name
 * ({@code param.csv}, {@code client-list.csv}, {@code fwmark-routing-list.csv},
 * {@code realserver-backup-list.csv}) to a state or located problems. The one validator of
 * CSV input; the API uses the same typed parsers and {@code DesiredStateRules} for its own writes.
 */
@FunctionalInterface
public interface CsvFiles {
    String PARAM = "param.csv";
    String CLIENTS = "client-list.csv";
    String POOLS = "fwmark-routing-list.csv";
    String BACKUPS = "realserver-backup-list.csv";
    List<String> NAMES = List.of(PARAM, CLIENTS, POOLS, BACKUPS);

    Result read(Map<String, String> filesByName);

    sealed interface Result permits Parsed, Invalid {}

    record Parsed(DesiredState state) implements Result {}

    record Invalid(List<Problem> problems) implements Result {
        public Invalid {
            problems = List.copyOf(problems);
        }
    }
}
