package io.videolb.model;

import java.util.Objects;

/** The backup that replaces a real server while it is down. */
public record Backup(Ipv4Address server, Ipv4Address backup) {
    public Backup {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(backup, "backup");
    }
}
