package io.videolb.runtime.settings;

import io.videolb.events.Topics;

/**
 * What the settings of every service hold: its Kafka connection, its topic names and where its HTTP
 * endpoints ({@code /health}, {@code /metrics}) listen. The services' settings records implement it
 * with their record components, and their builders extend {@link ServiceSettingsBuilder}.
 */
public interface ServiceSettings {
    /** The broker and client properties. */
    KafkaConnection kafka();

    /** Topic names (prefix). */
    Topics topics();

    /** Where the HTTP endpoints listen. */
    String httpHost();

    /** Their port; 0 picks a free one (what else a service allows, e.g. -1 for off, its record says). */
    int httpPort();
}
