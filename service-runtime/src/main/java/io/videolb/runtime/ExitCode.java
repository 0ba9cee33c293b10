package io.videolb.runtime;

/**
 * The exit status of every videolb command: the {@code videolb} launcher's subcommands, config-service's
 * {@code ConfigCli} and the agent's plain {@code AgentMain}. One meaning per code, the same in every command;
 * docs/cli.md lists each code with the commands that use it (ExitCodeDocumentedTest keeps the two in step).
 * 0, 1 and 2 keep their usual shell meanings (and picocli's).
 */
public enum ExitCode {
    /** Done: valid, published or unchanged, in sync, or a service stopped by SIGTERM/SIGINT. */
    OK(0),
    /** Refused or failed: invalid files, a 4xx answer, a bad value, a failed step, a service that could not start. */
    FAILED(1),
    /** Usage: unknown subcommand or option, missing argument, bad option or setting value, options that exclude each other. */
    USAGE(2),
    /** The admin API could not be reached or answered 5xx. */
    API_UNAVAILABLE(3),
    /** Kafka could not be reached, or reading or publishing failed; nothing was published. */
    KAFKA_FAILED(4),
    /** {@code plan --kernel}: the kernel differs from the published generation; the changes it needs are printed. */
    CHANGES_PENDING(5);

    private final int code;

    ExitCode(int code) {
        this.code = code;
    }

    /** The process exit status. */
    public int code() {
        return code;
    }
}
