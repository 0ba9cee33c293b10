package io.videolb.events;

/** A health checker's verdict on one server. */
public enum Verdict {
    /** Serves viewers at the configured probe level. */
    UP,
    /** Fails the probe (refused, timeout, bad handshake, HTTP error, frozen playlist). */
    DOWN
}
