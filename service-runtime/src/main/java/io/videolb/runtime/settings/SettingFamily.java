package io.videolb.runtime.settings;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings whose names carry a key, e.g. {@code VIDEOLB_HEALTH_POOL_<MARK>_LEVEL}: declared once
 * (documented as that name), read per key present in the sources ({@link SettingsReader#keysOf}).
 *
 * @param <T> the type of each member's value
 */
public final class SettingFamily<T> {
    private final String prefix;
    private final String keyLabel;
    private final String suffix;
    private final Pattern names;
    private final Function<String, Setting.Builder<T>> member;
    private final Setting<T> template;
    private final String service;

    SettingFamily(
            String prefix,
            String keyLabel,
            String keyRegex,
            String suffix,
            Function<String, Setting.Builder<T>> member,
            String service) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.keyLabel = Objects.requireNonNull(keyLabel, "keyLabel");
        this.suffix = Objects.requireNonNull(suffix, "suffix");
        this.names = Pattern.compile(Pattern.quote(prefix) + "(" + keyRegex + ")" + Pattern.quote(suffix));
        this.member = Objects.requireNonNull(member, "member");
        this.service = service;
        this.template = member.apply(prefix + "KEY" + suffix).build(service);
    }

    /** As documented, e.g. {@code VIDEOLB_HEALTH_POOL_<MARK>_LEVEL}. */
    public String displayName() {
        return prefix + keyLabel + suffix;
    }

    /** What is allowed, the description, secrecy, as one member (its name is a placeholder). */
    public Setting<T> template() {
        return template;
    }

    /** The key of {@code name} if it belongs to this family. */
    public Optional<String> keyOf(String name) {
        Matcher m = names.matcher(name);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The member for {@code key}, e.g. {@code VIDEOLB_HEALTH_POOL_2_LEVEL} for {@code 2}. */
    public Setting<T> member(String key) {
        String name = prefix + key + suffix;
        if (keyOf(name).isEmpty()) throw new IllegalArgumentException(displayName() + ": bad key " + key);
        return member.apply(name).build(service);
    }
}
