package io.videolb.events;

/** How deep a health probe looks. */
public enum ProbeLevel {
    /** TCP connect to 1935 (and 8080). */
    TCP,
    /** RTMP C0/C1 -> S0/S1/S2 -> C2 handshake, optionally AMF0 connect. */
    RTMP,
    /** HLS playlist fetched and its media sequence advancing. */
    HLS
}
