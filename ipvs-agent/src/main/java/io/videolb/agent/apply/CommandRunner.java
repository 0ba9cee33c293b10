package io.videolb.agent.apply;

import java.time.Duration;
import java.util.List;

/**
 * The one way the agent runs kernel tools: an argument list (never a shell), an optional stdin
 * payload and a bounded timeout. The production adapter is {@link ProcessCommandRunner}; tests
 * use a state-based fake kernel that parses the payloads.
 */
public interface CommandRunner {
    Result run(List<String> argv, String stdin, Duration timeout);

    /** exitCode -1: could not start or timed out (stderr says which). */
    record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public String describe() {
            String e = stderr == null ? "" : stderr.strip();
            if (e.length() > 400) e = e.substring(0, 400) + "...";
            return "exit " + exitCode + (e.isEmpty() ? "" : ": " + e);
        }
    }
}
