package io.videolb.events;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Kafka topic names of one videolb installation. Every name is {@code PREFIX.suffix}; the prefix
 * (default {@code videolb}) lets several installations, or several tests, share one broker.
 *
 * <p>State topics are compacted and keyed by entity; readers rebuild them from offset 0 on every
 * start. Event topics are append-only streams.
 */
public record Topics(String prefix) {
    private static final Pattern PREFIX = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,100}");

    public static final Topics DEFAULT = new Topics("videolb");

    public Topics {
        if (prefix == null || !PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("topic prefix must match " + PREFIX + ": " + prefix);
        }
    }

    /** Desired state: params, clients, pools, backups and generation markers (compacted, 1 partition). */
    public String desired() {
        return prefix + ".desired";
    }

    /**
     * Every generation of the desired state, kept for a retention (not compacted; {@link HistoryRecord}): what
     * {@code GET /api/v1/generations}, diffs and rollback read.
     */
    public String desiredHistory() {
        return prefix + ".desired-history";
    }

    /** Health verdicts keyed by server address (compacted). */
    public String health() {
        return prefix + ".health";
    }

    /** Agent status keyed by director id (compacted). */
    public String agentStatus() {
        return prefix + ".agent-status";
    }

    /** Who changed what, before/after (append-only). */
    public String audit() {
        return prefix + ".audit";
    }

    /** Open incidents and pending mails of the alert service, keyed by incident id (compacted). */
    public String alertState() {
        return prefix + ".alert-state";
    }

    /** Operators' commands to the director pair, e.g. promote (compacted, key "promote"; issue 10). */
    public String directorCommands() {
        return prefix + ".director-commands";
    }

    /** A topic and whether it is compacted state or an event stream. */
    public record TopicSpec(String name, int partitions, boolean compacted) {}

    /** Every topic videolb uses, with the settings the admin helper creates it with. */
    public List<TopicSpec> all() {
        return List.of(
                new TopicSpec(desired(), 1, true),
                new TopicSpec(desiredHistory(), 1, false),
                new TopicSpec(health(), 3, true),
                new TopicSpec(agentStatus(), 1, true),
                new TopicSpec(audit(), 1, false),
                new TopicSpec(alertState(), 1, true),
                new TopicSpec(directorCommands(), 1, true));
    }
}
