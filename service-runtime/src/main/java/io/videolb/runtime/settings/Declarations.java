package io.videolb.runtime.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The declared settings of one service (or of the command line, or of every service): each
 * {@link Setting} is declared here once, in the order it is documented and printed.
 */
public final class Declarations {
    private final String service;
    private final List<Setting<?>> settings = new ArrayList<>();
    private final List<SettingFamily<?>> families = new ArrayList<>();

    /** @param service who reads these settings, as the documentation names it (e.g. {@code health}) */
    public Declarations(String service) {
        this.service = Objects.requireNonNull(service, "service");
    }

    public String service() {
        return service;
    }

    /** Finishes and records a declaration. */
    public synchronized <T> Setting<T> add(Setting.Builder<T> builder) {
        Setting<T> s = builder.build(service);
        for (Setting<?> other : settings) {
            if (other.key().equals(s.key())) throw new IllegalStateException("declared twice: " + s.key());
        }
        settings.add(s);
        return s;
    }

    /** Declares a family such as {@code VIDEOLB_HEALTH_POOL_<MARK>_LEVEL}: {@code member} makes the setting of one full name. */
    public synchronized <T> SettingFamily<T> family(
            String prefix,
            String keyLabel,
            String keyRegex,
            String suffix,
            Function<String, Setting.Builder<T>> member) {
        SettingFamily<T> f = new SettingFamily<>(prefix, keyLabel, keyRegex, suffix, member, service);
        families.add(f);
        return f;
    }

    public synchronized List<Setting<?>> settings() {
        return Collections.unmodifiableList(new ArrayList<>(settings));
    }

    public synchronized List<SettingFamily<?>> families() {
        return Collections.unmodifiableList(new ArrayList<>(families));
    }

    /** Whether {@code name} is one of these settings, a secret's {@code _FILE} variant or a family member. */
    public synchronized boolean declares(String name) {
        for (Setting<?> s : settings) {
            if (name.equals(s.name()) || name.equals(s.fileVariant())) return true;
        }
        for (SettingFamily<?> f : families) {
            if (f.keyOf(name).isPresent()) return true;
        }
        return false;
    }
}
