package io.videolb.model;

/** A single field value that does not satisfy its rule. The message names the rule, never echoes control characters. */
public final class InvalidValueException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidValueException(String message) {
        super(message);
    }
}
