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

    /**
     * The shared agent-status topic of earlier versions, where every agent wrote its status under its director id.
     * No agent writes it any more and no agent principal may (decision 113): each writes its own
     * {@link #agentStatus(String)}. It is still created and read during the upgrade, so that a director not yet
     * upgraded stays visible; a record on a director's own topic supersedes its record here.
     */
    public String agentStatus() {
        return prefix + ".agent-status";
    }

    /** What a director id must look like to name its status topic (the agent's {@code VIDEOLB_DIRECTOR}). */
    public static final Pattern DIRECTOR_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    /**
     * The agent-status topic of one director, {@code PREFIX.agent-status.DIRECTOR} (compacted, keyed by the director
     * id, 1 partition): only that director's agent principal may write it (decision 113).
     *
     * @throws IllegalArgumentException if {@code director} is not a topic-name-safe director id (naming
     *     {@code VIDEOLB_DIRECTOR})
     */
    public String agentStatus(String director) {
        if (director == null || !DIRECTOR_ID.matcher(director).matches()) {
            throw new IllegalArgumentException("director id (VIDEOLB_DIRECTOR) '" + director + "' must match "
                    + DIRECTOR_ID + " to name its agent-status topic");
        }
        return agentStatusPrefix() + director;
    }

    /** The prefix of every per-director agent-status topic: {@code PREFIX.agent-status.} */
    public String agentStatusPrefix() {
        return prefix + ".agent-status.";
    }

    /** The director whose own agent-status topic {@code topic} is, or null if it is not one. */
    public String agentStatusDirector(String topic) {
        if (topic == null || !topic.startsWith(agentStatusPrefix())) return null;
        String d = topic.substring(agentStatusPrefix().length());
        return DIRECTOR_ID.matcher(d).matches() ? d : null;
    }

    /** True for the shared agent-status topic and for every director's own one. */
    public boolean isAgentStatus(String topic) {
        return agentStatus().equals(topic) || agentStatusDirector(topic) != null;
    }

    /** The per-director agent-status topics, as a pattern matching the whole name (readers follow it). */
    public Pattern agentStatusTopics() {
        return Pattern.compile(Pattern.quote(agentStatusPrefix()) + DIRECTOR_ID.pattern());
    }

    /** How a director's own agent-status topic is created (by its agent, or by {@code videolb kafka setup-security}). */
    public TopicSpec agentStatusSpec(String director) {
        return new TopicSpec(agentStatus(director), 1, true);
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

    /**
     * Every fixed topic videolb uses, with the settings the admin helper creates it with; the per-director
     * agent-status topics ({@link #agentStatusSpec}) come on top, one per director.
     */
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
