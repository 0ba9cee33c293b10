package io.videolb.config.auth;

import java.util.Objects;

/** The authenticated caller: the token's name (recorded as the actor of changes) and its role. */
public record Principal(String name, Role role) {
    public Principal {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
    }
}
