package io.videolb.runtime.settings;

/**
 * The value a setting has in this process and where it came from.
 *
 * @param key    the variable name (or flag of a flag-only setting)
 * @param text   the value as given (null: unset, no default)
 * @param source where it came from
 * @param origin details of the source: the flag, {@code file:line}, the {@code _FILE} variable (may be empty)
 * @param secret never print {@code text}
 */
public record EffectiveSetting(String key, String text, SettingSource source, String origin, boolean secret) {

    /** {@code KEY=VALUE  (source origin)}, secrets as {@code ****}, unset as {@code (unset)}. */
    public String printable() {
        String shown = text == null ? "(unset)" : secret ? "****" : text;
        return key + "=" + shown + "  (" + (text == null ? "unset" : source.label())
                + (origin.isEmpty() ? "" : " " + origin) + ")";
    }
}
