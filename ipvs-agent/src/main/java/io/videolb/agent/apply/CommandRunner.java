package io.videolb.agent.apply;

import java.time.Duration;
import java.util.List;

/**
 * The one way the agent runs kernel tools: an argument list (never a shell), an optional stdin
 * payload and a bounded timeout. The production adapter is {@link ProcessCommandRunner}; tests
 * use a state-based fake kernel that parses the payloads.
 *
 * <p>Contract: {@link #run} returns within {@code timeout} (plus a small, fixed grace to kill the
 * process), whatever the tool does: writing the payload, reading its output and waiting for it all
 * count against the same deadline; a tool still running then is killed and the result says
 * {@link Result#timedOut()}.
 */
public interface CommandRunner {
    Result run(List<String> argv, String stdin, Duration timeout);

    /** exitCode -1: could not start or timed out (stderr says which; {@code timedOut} tells the two apart). */
    record Result(int exitCode, String stdout, String stderr, boolean timedOut) {
        public Result(int exitCode, String stdout, String stderr) {
            this(exitCode, stdout, stderr, false);
        }

        /** The tool did not finish within its deadline and was killed. */
        public static Result timedOut(String why) {
            return new Result(-1, "", why, true);
        }

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
