package io.videolb.alert.incident;

/**
 * Names for mail subjects, built from an incident's kind and the typed parts of its id (an IPv4
 * address, a fwmark or a {@link Condition#token safe token}), never from event text.
 */
final class Subjects {
    private Subjects() {}

    /** What the incident is about: {@code server 192.0.2.11}, {@code pool 10}, {@code drain of 192.0.2.11 in pool 10}. */
    static String name(Incident i) {
        String key = i.id().substring(i.id().indexOf('/') + 1);
        int slash = key.indexOf('/');
        String first = slash < 0 ? key : key.substring(0, slash);
        String second = slash < 0 ? "" : key.substring(slash + 1);
        switch (i.kind()) {
            case SERVER_DOWN:
                return "server " + key;
            case BACKUP_ALSO_DOWN:
                return "server " + key + " and its backup";
            case PANIC:
                return "pool " + key;
            case CHECKER_DEGRADED:
                return "health checker " + key;
            case APPLY_FAILING:
                return "apply on director " + key;
            case DRAIN_STUCK:
                return "drain of " + second + " in pool " + first;
            case BACKUP_TOOK_OVER:
                return "takeover of " + second + " in pool " + first;
            case BACKUP_REFUSED: // second: SERVER/BACKUP
                return "backup " + second.substring(second.indexOf('/') + 1) + " for "
                        + second.substring(0, Math.max(0, second.indexOf('/'))) + " in pool " + first;
            case SPLIT_BRAIN:
                return "VIP " + key;
            case HEALTH_STALE:
                return "health on director " + key;
            case AGENT_SILENT:
            case AGENT_BEHIND:
                return "director " + key;
            case FOREIGN_RULES:
                return "steering on director " + key;
            case DESIRED_REFUSED:
                return "desired state on director " + key;
            case DRAIN_DEADLINE_NEAR:
                return "drain of " + second + " in pool " + first;
            case DIRECTOR_TAKEOVER:
                return "director " + first;
            default:
                throw new IllegalStateException("unknown kind " + i.kind());
        }
    }

    /** The state the incident is in now, in the words of its kind. */
    static String state(Incident i) {
        boolean bad = i.open();
        switch (i.kind()) {
            case SERVER_DOWN:
                return bad ? "down" : "up";
            case BACKUP_ALSO_DOWN:
                return bad ? "both down" : "not both down";
            case PANIC:
                return bad ? "in panic" : "out of panic";
            case CHECKER_DEGRADED:
                return bad ? "degraded" : "healthy";
            case APPLY_FAILING:
                return bad ? "failing" : "applying";
            case DRAIN_STUCK:
                return bad ? "past deadline" : "done";
            case BACKUP_TOOK_OVER:
                return bad ? "backup serving" : "server back";
            case BACKUP_REFUSED:
                return bad ? "refused, lacks streams" : "no longer refused";
            case SPLIT_BRAIN:
                return bad ? "split brain" : "one holder";
            case HEALTH_STALE:
                return bad ? "stale" : "fresh";
            case AGENT_SILENT:
                return bad ? "silent" : "reporting";
            case AGENT_BEHIND:
                return bad ? "behind" : "caught up";
            case FOREIGN_RULES:
                return bad ? "overridden" : "clean";
            case DESIRED_REFUSED:
                return bad ? "refused" : "accepted";
            case DRAIN_DEADLINE_NEAR:
                return bad ? "viewers left near the deadline" : "done";
            case DIRECTOR_TAKEOVER:
                return "took over";
            default:
                throw new IllegalStateException("unknown kind " + i.kind());
        }
    }
}
