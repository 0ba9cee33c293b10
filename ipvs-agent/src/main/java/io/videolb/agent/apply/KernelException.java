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

    /** Lines of an {@code ipvsadm -R} payload the kernel refused (one stderr line each): the same words for both ways of running it. */
    static KernelException refusedLines(java.util.List<String> refused) {
        return new KernelException("ipvsadm -R refused " + refused.size() + " line(s): " + String.join("; ", refused));
    }
}
