package io.videolb.runtime.settings;

/** Where an effective setting came from, in the order the reader looks (the first that has a non-empty value wins). */
public enum SettingSource {
    /** a command-line flag (or a value the standalone composition root assigns, shown as its flag) */
    FLAG,
    /** an environment variable */
    ENV,
    /** the properties file of {@code --settings FILE} or {@code VIDEOLB_SETTINGS_FILE} */
    FILE,
    /** the declared default */
    DEFAULT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
