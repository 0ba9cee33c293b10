package io.videolb.runtime.settings;

import io.videolb.model.FieldText;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * THE settings reader of every videolb service and command. For each {@link Setting} it looks, in this order, at
 * <ol>
 *   <li>a value the composition root assigns ({@link Builder#assign}), then a command-line flag,</li>
 *   <li>the environment variable,</li>
 *   <li>the properties file of {@code --settings FILE} or {@code VIDEOLB_SETTINGS_FILE} (optional),</li>
 *   <li>the command's default ({@link Builder#defaultValue}), else the declared default.</li>
 * </ol>
 * An empty or blank value counts as unset, in every source. A secret may instead be given as the name of a
 * file holding it ({@code NAME_FILE}). Every error names the variable or flag (and {@code file:line} for the
 * settings file), the value, escaped, and what is allowed (an empty {@code NAME_FILE} file also counts as unset): {@code VIDEOLB_HEALTH_INTERVAL_MS='2s': must be
 * an integer 100..600000}. Every value read is recorded with its source for {@code --print-settings}
 * ({@link #effective()}).
 *
 * <p>This class is the only place of videolb's main code that reads the process environment.
 */
public final class SettingsReader {
    /** The settings file: flag {@code --settings}, variable {@code VIDEOLB_SETTINGS_FILE} (only from the environment). */
    public static final String SETTINGS_FILE_VARIABLE = "VIDEOLB_SETTINGS_FILE";

    public static final String SETTINGS_FILE_FLAG = "--settings";

    private final Map<String, String> flags;
    private final Map<String, Assigned> assigned;
    private final Map<String, Assigned> defaults;
    private final Map<String, String> env;
    private final PropertiesFile file;
    private final Map<String, PropertiesFile.Entry> fileEntries = new HashMap<>();
    private final Map<String, EffectiveSetting> effective = new LinkedHashMap<>();

    private record Assigned(String text, String origin) {}

    private SettingsReader(Builder b) {
        this.flags = Map.copyOf(b.flags);
        this.assigned = Map.copyOf(b.assigned);
        this.defaults = Map.copyOf(b.defaults);
        this.env = Map.copyOf(b.env);
        Path f = b.settingsFile;
        String what = SETTINGS_FILE_FLAG;
        if (f == null && present(env.get(SETTINGS_FILE_VARIABLE))) {
            what = SETTINGS_FILE_VARIABLE;
            f = Path.of(env.get(SETTINGS_FILE_VARIABLE).strip());
        }
        this.file = f == null ? null : PropertiesFile.read(what, f);
        if (file != null) {
            for (PropertiesFile.Entry e : file.entries()) {
                boolean known = b.known.stream().anyMatch(d -> d.declares(e.key()));
                if (!known) {
                    throw new IllegalArgumentException(
                            file.where(e) + ": " + FieldText.escape(e.key(), 100) + ": unknown setting"
                                    + suggestion(e.key(), b.known) + " (docs/settings.md lists every setting)");
                }
                fileEntries.put(e.key(), e);
            }
            record(
                    SETTINGS_FILE_VARIABLE,
                    f.toString(),
                    b.settingsFile != null ? SettingSource.FLAG : SettingSource.ENV,
                    b.settingsFile != null ? SETTINGS_FILE_FLAG : "",
                    false);
        }
    }

    /** A reader of this process: {@code flags} from the command line, the process environment, the settings file if any. */
    public static Builder forProcess() {
        return new Builder().environment(System.getenv());
    }

    /** A reader of the given sources only (tests, the standalone composition root). */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- reading

    /** The value of {@code s}: from the first source that has one, else its default; an error when it has neither. */
    public <T> T get(Setting<T> s) {
        return find(s).orElseThrow(() -> new IllegalArgumentException(s.key() + ": required, must be " + s.allowed()
                + (s.flag() != null && s.name() != null ? " (or " + s.flag() + ")" : "")));
    }

    /** The value of {@code s}: from the first source that has one, else its default, else empty. */
    public <T> Optional<T> find(Setting<T> s) {
        Objects.requireNonNull(s, "setting");
        Assigned a = assigned.get(s.key());
        if (a != null) return Optional.of(parse(s, s.key(), a.text(), "", SettingSource.ASSIGNED, a.origin()));
        if (s.flag() != null && present(flags.get(s.flag()))) {
            return Optional.of(parse(s, s.flag(), flags.get(s.flag()), "", SettingSource.FLAG, s.flag()));
        }
        if (s.name() != null) {
            if (present(env.get(s.name())))
                return Optional.of(parse(s, s.name(), env.get(s.name()), "", SettingSource.ENV, ""));
            PropertiesFile.Entry e = fileEntries.get(s.name());
            if (e != null && present(e.value())) {
                return Optional.of(
                        parse(s, s.name(), e.value(), file.where(e) + ": ", SettingSource.FILE, file.where(e)));
            }
            if (s.secret()) {
                Optional<T> fromFile = secretFromFile(s);
                if (fromFile.isPresent()) return fromFile;
            }
        }
        Assigned commandDefault = defaults.get(s.key());
        if (commandDefault != null) {
            return Optional.of(
                    parse(s, s.key(), commandDefault.text(), "", SettingSource.DEFAULT, commandDefault.origin()));
        }
        if (s.hasDefault()) {
            T v = s.defaultValue();
            record(s.key(), s.defaultText(), SettingSource.DEFAULT, "", s.secret());
            return Optional.of(v);
        }
        record(s.key(), null, SettingSource.DEFAULT, "", s.secret());
        return Optional.empty();
    }

    /** Whether {@code s} is set in a source (flag, assignment, environment, file, file variant), defaults aside. */
    public boolean isSet(Setting<?> s) {
        if (assigned.containsKey(s.key())) return true;
        if (s.flag() != null && present(flags.get(s.flag()))) return true;
        if (s.name() == null) return false;
        if (present(env.get(s.name()))) return true;
        PropertiesFile.Entry e = fileEntries.get(s.name());
        if (e != null && present(e.value())) return true;
        if (s.fileVariant() != null) {
            PropertiesFile.Entry fe = fileEntries.get(s.fileVariant());
            return present(env.get(s.fileVariant())) || (fe != null && present(fe.value()));
        }
        return false;
    }

    /** The keys of {@code family} set (non-empty) in the environment or the file, sorted. */
    public List<String> keysOf(SettingFamily<?> family) {
        TreeSet<String> keys = new TreeSet<>();
        env.forEach((k, v) -> {
            if (present(v)) family.keyOf(k).ifPresent(keys::add);
        });
        fileEntries.forEach((k, e) -> {
            if (present(e.value())) family.keyOf(k).ifPresent(keys::add);
        });
        return new ArrayList<>(keys);
    }

    /**
     * Reads every setting of {@code declarations} not read yet (and every family member present), so that
     * {@link #effective()} lists them all: {@code --print-settings}. Errors are thrown as by {@link #find}.
     */
    public void readAll(List<Declarations> declarations) {
        for (Declarations d : declarations) {
            for (Setting<?> s : d.settings()) {
                if (!effective.containsKey(s.key())) find(s);
            }
            for (SettingFamily<?> f : d.families()) {
                for (String key : keysOf(f)) {
                    Setting<?> m = f.member(key);
                    if (!effective.containsKey(m.key())) find(m);
                }
            }
        }
    }

    /** Every setting read so far, in the order read, with its source. */
    public List<EffectiveSetting> effective() {
        return List.copyOf(effective.values());
    }

    /** Prints {@link #effective()}, one {@link EffectiveSetting#printable()} per line. */
    public void print(PrintStream out) {
        for (EffectiveSetting e : effective()) out.println(e.printable());
    }

    /** Records a value a caller derived itself (e.g. the Kafka client properties of a file), for {@code --print-settings}. */
    public void recordDerived(String key, String text, SettingSource source, String origin, boolean secret) {
        record(key, text, source, origin, secret);
    }

    // ---------------------------------------------------------------- internals

    private <T> Optional<T> secretFromFile(Setting<T> s) {
        String variant = s.fileVariant();
        String pathText;
        String where;
        SettingSource source;
        PropertiesFile.Entry fe = fileEntries.get(variant);
        if (present(env.get(variant))) {
            pathText = env.get(variant).strip();
            where = "";
            source = SettingSource.ENV;
        } else if (fe != null && present(fe.value())) {
            pathText = fe.value();
            where = file.where(fe) + ": ";
            source = SettingSource.FILE;
        } else {
            return Optional.empty();
        }
        String content;
        try {
            content =
                    Files.readString(Path.of(pathText), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    where + variant + "='" + FieldText.escape(pathText) + "': must be a readable file holding "
                            + s.key() + " (" + e.getClass().getSimpleName() + ")");
        }
        if (content.isEmpty())
            return Optional.empty(); // an empty secret file is unset too (e.g. an SMTP relay without AUTH)
        try {
            T v = s.parse(content);
            record(s.key(), content, source, variant + "=" + pathText, true);
            return Optional.of(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    where + variant + "='" + FieldText.escape(pathText) + "': its content must be " + s.allowed());
        }
    }

    private <T> T parse(Setting<T> s, String named, String raw, String where, SettingSource source, String origin) {
        String text = raw.strip();
        try {
            T v = s.parse(text);
            record(s.key(), text, source, origin, s.secret());
            return v;
        } catch (IllegalArgumentException e) {
            String shown = s.secret() ? "****" : FieldText.escape(text, 200);
            String detail =
                    e.getMessage() == null || e.getMessage().isBlank() || s.secret() ? "" : " (" + e.getMessage() + ")";
            String via = source == SettingSource.ASSIGNED || source == SettingSource.DEFAULT ? " [" + origin + "]" : "";
            throw new IllegalArgumentException(
                    where + named + "='" + shown + "'" + via + ": must be " + s.allowed() + detail, e);
        }
    }

    private void record(String key, String text, SettingSource source, String origin, boolean secret) {
        effective.put(key, new EffectiveSetting(key, text, source, origin, secret));
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    /** " (did you mean X?)" for a near miss among the declared names. */
    private static String suggestion(String key, List<Declarations> known) {
        String best = null;
        int bestDistance = 4; // up to three edits: a dropped _MS, a swapped letter
        for (Declarations d : known) {
            for (Setting<?> s : d.settings()) {
                if (s.name() == null) continue;
                int dist = io.videolb.text.EditDistance.between(key, s.name());
                if (dist < bestDistance) {
                    bestDistance = dist;
                    best = s.name();
                }
            }
        }
        return best == null ? "" : " (did you mean " + best + "?)";
    }

    /** The sources of a reader. */
    public static final class Builder {
        private final Map<String, String> flags = new HashMap<>();
        private final Map<String, Assigned> assigned = new HashMap<>();
        private final Map<String, Assigned> defaults = new HashMap<>();
        private final Map<String, String> env = new HashMap<>();
        private final List<Declarations> known = new ArrayList<>();
        private Path settingsFile;

        private Builder() {}

        /** A flag given on the command line ({@code value} null: not given). */
        public Builder flag(String flag, Object value) {
            if (value != null) flags.put(flag, String.valueOf(value));
            return this;
        }

        /** A value the composition root assigns to {@code s} (standalone: the embedded broker, its ports); wins over every source. */
        public Builder assign(Setting<?> s, Object value, String origin) {
            assigned.put(s.key(), new Assigned(String.valueOf(value), origin));
            return this;
        }

        /** The command's default for {@code s} (standalone: DATA-DIR/alert-mail), used when no source sets it; {@code origin} says why. */
        public Builder defaultValue(Setting<?> s, Object value, String origin) {
            defaults.put(s.key(), new Assigned(String.valueOf(value), origin));
            return this;
        }

        public Builder environment(Map<String, String> environment) {
            env.clear();
            env.putAll(environment);
            return this;
        }

        /** {@code --settings FILE} (null: not given; then {@code VIDEOLB_SETTINGS_FILE}, if set). */
        public Builder settingsFile(Path file) {
            this.settingsFile = file;
            return this;
        }

        /** Declarations whose names the settings file may hold; any other key there is an error. */
        public Builder known(List<Declarations> declarations) {
            known.addAll(declarations);
            return this;
        }

        public SettingsReader build() {
            return new SettingsReader(this);
        }
    }
}
