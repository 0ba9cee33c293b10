package io.videolb.agent.apply;

/** A kernel tool failed; the message names the tool and what it said. */
public final class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelException(String message) {
        super(message);
    }
}
