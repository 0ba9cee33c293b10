package io.videolb.config.publish;

/** An optimistic publish expected another committed generation than the current one; nothing was written. */
public final class GenerationConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long expected;
    private final long current;

    public GenerationConflictException(long expected, long current) {
        super("expected generation " + expected + " but the committed generation is " + current);
        this.expected = expected;
        this.current = current;
    }

    public long expected() {
        return expected;
    }

    public long current() {
        return current;
    }
}
