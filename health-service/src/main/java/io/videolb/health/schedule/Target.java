package io.videolb.health.schedule;

import io.videolb.health.Endpoint;
import io.videolb.health.ProbeSettings;
import io.videolb.model.Ipv4Address;
import java.util.Objects;

/** One server to probe: its identity (the key of its verdicts), where to connect and how. */
public record Target(Ipv4Address server, Endpoint endpoint, ProbeSettings settings) {
    public Target {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(settings, "settings");
    }
}
