package io.videolb.runtime.settings;

/** Where an effective setting came from, in the order the reader looks (the first that has a non-empty value wins). */
public enum SettingSource {
    /** a value the composition root assigns (standalone: the embedded broker, the ports derived from its --http-port) */
    ASSIGNED,
    /** a command-line flag */
    FLAG,
    /** an environment variable */
    ENV,
    /** the properties file of {@code --settings FILE} or {@code VIDEOLB_SETTINGS_FILE} */
    FILE,
    /** the declared default, or the default of the command (standalone: DATA-DIR/alert-mail; a running standalone's broker) */
    DEFAULT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
