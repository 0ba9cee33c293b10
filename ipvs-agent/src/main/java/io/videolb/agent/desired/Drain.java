package io.videolb.agent.desired;

import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;

/** A real server held at weight 0 until its connections end or its deadline passes. */
public record Drain(Fwmark mark, Ipv4Address server, String reason, long startedAtMs, long deadlineAtMs) {
    public record Key(Fwmark mark, Ipv4Address server) {}

    public Key key() {
        return new Key(mark, server);
    }
}
