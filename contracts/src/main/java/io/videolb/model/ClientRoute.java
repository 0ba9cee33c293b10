package io.videolb.model;

import java.util.Objects;

/** Steering of one client address or network to a pool's fwmark. */
public record ClientRoute(Ipv4Network client, Fwmark mark) {
    public ClientRoute {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(mark, "mark");
    }
}
