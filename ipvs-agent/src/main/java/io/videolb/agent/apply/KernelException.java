package io.videolb.agent.apply;

/** A kernel tool failed; the message names the tool and what it said. */
public final class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean timedOut;

    public KernelException(String message) {
        this(message, false);
    }

    public KernelException(String message, boolean timedOut) {
        super(message);
        this.timedOut = timedOut;
    }

    /** The tool hung and was killed at its deadline (rather than refusing). */
    public boolean timedOut() {
        return timedOut;
    }
}
