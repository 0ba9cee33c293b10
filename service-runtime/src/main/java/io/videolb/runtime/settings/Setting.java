package io.videolb.runtime.settings;

import io.videolb.model.MailAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One declared setting: its variable name (also its key in the settings file), its flag if it has
 * one, its default, the text of what is allowed, which service reads it, a description and whether it
 * is a secret. Reading ({@link SettingsReader#get}), {@code --print-settings} and {@code docs/settings.md}
 * all come from this one declaration.
 *
 * <p>Made with a typed factory ({@link #integer}, {@link #text}, {@link #bool}, ...) and finished by
 * {@link Declarations#add}, which names the service:
 * <pre>{@code
 * static final Setting<Duration> INTERVAL = DECLARED.add(Setting.millis("VIDEOLB_HEALTH_INTERVAL_MS", 100, 600_000)
 *         .defaultValue(Duration.ofSeconds(2)).describe("probe interval"));
 * }</pre>
 * A parser throws {@link IllegalArgumentException}; the reader turns it into
 * {@code VIDEOLB_HEALTH_INTERVAL_MS='2s': must be an integer 100..600000}.
 *
 * @param <T> the type of the effective value
 */
public final class Setting<T> {
    private final String name;
    private final String flag;
    private final String allowed;
    private final Function<String, T> parser;
    private final Supplier<T> defaultValue;
    private final String defaultText;
    private final String service;
    private final String description;
    private final boolean secret;

    private Setting(Builder<T> b, String service) {
        this.name = b.name;
        this.flag = b.flag;
        this.allowed = b.allowed;
        this.parser = b.parser;
        this.defaultValue = b.defaultValue;
        this.defaultText = b.defaultText;
        this.service = Objects.requireNonNull(service, "service");
        this.description = Objects.requireNonNull(b.description, () -> "description of " + b.key());
        this.secret = b.secret;
    }

    /** The variable name (e.g. {@code VIDEOLB_HEALTH_INTERVAL_MS}), or null for a flag-only setting. */
    public String name() {
        return name;
    }

    /** The flag (e.g. {@code --http-port}), or null. */
    public String flag() {
        return flag;
    }

    /** The variable name, else the flag: how errors and listings name this setting. */
    public String key() {
        return name != null ? name : flag;
    }

    /** What is allowed, e.g. {@code an integer 100..600000}. */
    public String allowed() {
        return allowed;
    }

    /** The default as documented, or null when the setting has none (unset means "none" or is an error, see the reader). */
    public String defaultText() {
        return defaultText;
    }

    public boolean hasDefault() {
        return defaultValue != null;
    }

    T defaultValue() {
        return defaultValue.get();
    }

    /** Which service reads it, e.g. {@code health} or {@code all services}. */
    public String service() {
        return service;
    }

    public String description() {
        return description;
    }

    /** A secret: never printed; also read from the file named by {@code NAME_FILE}. */
    public boolean secret() {
        return secret;
    }

    /** {@code NAME_FILE} of a secret, or null. */
    public String fileVariant() {
        return secret && name != null ? name + "_FILE" : null;
    }

    /** Parses {@code text} (already stripped, never empty); throws {@link IllegalArgumentException} naming only what is allowed. */
    T parse(String text) {
        return parser.apply(text);
    }

    @Override
    public String toString() {
        return key();
    }

    // ---------------------------------------------------------------- factories

    /** Text matching {@code regex} (whole value); {@code allowed} says it in words. */
    public static Builder<String> text(String name, String regex, String allowed) {
        Pattern p = Pattern.compile(regex);
        return new Builder<>(name, allowed, s -> {
            if (!p.matcher(s).matches()) throw new IllegalArgumentException();
            return s;
        });
    }

    /** An integer {@code min..max}. */
    public static Builder<Integer> integer(String name, int min, int max) {
        String allowed = "an integer " + min + ".." + max;
        return new Builder<>(name, allowed, s -> (int) parseLong(s, min, max));
    }

    /** A long integer {@code min..max}. */
    public static Builder<Long> longInteger(String name, long min, long max) {
        return new Builder<>(name, "an integer " + min + ".." + max, s -> parseLong(s, min, max));
    }

    /** A decimal number in {@code (minExclusive, max]} when {@code exclusiveMin}, else {@code [min, max]}. */
    public static Builder<Double> decimal(String name, double min, boolean exclusiveMin, double max) {
        String allowed = "a number in " + (exclusiveMin ? "(" : "[") + fmt(min) + "," + fmt(max) + "]";
        return new Builder<>(name, allowed, s -> {
            if (!s.matches("[0-9]{1,9}(\\.[0-9]{1,9})?")) throw new IllegalArgumentException();
            double d = Double.parseDouble(s);
            if (exclusiveMin ? d <= min : d < min) throw new IllegalArgumentException();
            if (d > max) throw new IllegalArgumentException();
            return d;
        });
    }

    /** A whole number of {@code unit} in {@code min..max}, as a {@link Duration} (the unit is in the name, e.g. {@code _MS}). */
    public static Builder<Duration> duration(String name, ChronoUnit unit, long min, long max) {
        return new Builder<>(name, "an integer " + min + ".." + max, s -> Duration.of(parseLong(s, min, max), unit));
    }

    /** Exactly {@code true} or {@code false}. */
    public static Builder<Boolean> bool(String name) {
        return new Builder<>(name, "true or false", s -> switch (s) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException();
        });
    }

    /** One of the constants of {@code type}, spelled as declared. */
    public static <E extends Enum<E>> Builder<E> oneOf(String name, Class<E> type) {
        E[] values = type.getEnumConstants();
        String allowed = "one of " + Arrays.stream(values).map(Enum::name).collect(Collectors.joining(", "));
        return new Builder<>(name, allowed, s -> {
            for (E e : values) if (e.name().equals(s)) return e;
            throw new IllegalArgumentException();
        });
    }

    /** A file or directory path. */
    public static Builder<Path> path(String name) {
        return new Builder<>(name, "a path", Setting::toPath);
    }

    /** A path, or the word {@code off} for "none" (e.g. a reboot file that is not written). */
    public static Builder<Optional<Path>> pathOrOff(String name) {
        return new Builder<>(name, "a path, or off", s -> s.equals("off") ? Optional.empty() : Optional.of(toPath(s)));
    }

    /** {@code HOST:PORT}: a host name or IPv4 address and a port in {@code minPort..65535}. */
    public static Builder<HostPort> hostPort(String name, int minPort) {
        return new Builder<>(name, "HOST:PORT (port " + minPort + "..65535)", s -> HostPort.parse(s, minPort));
    }

    /** Kafka bootstrap servers: {@code HOST:PORT[,HOST:PORT...]}. */
    public static Builder<String> servers(String name) {
        return new Builder<>(name, "HOST:PORT[,HOST:PORT...] (port 1..65535)", s -> {
            String[] parts = s.split(",", -1);
            if (parts.length > 32) throw new IllegalArgumentException();
            for (String hp : parts) HostPort.parse(hp, 1);
            return s;
        });
    }

    /** One mail address ({@code local@domain}). */
    public static Builder<MailAddress> mail(String name) {
        return new Builder<>(name, "a mail address (local@domain)", MailAddress::parse);
    }

    /** Comma-separated mail addresses. */
    public static Builder<List<MailAddress>> mailList(String name) {
        return new Builder<>(name, "comma-separated mail addresses (local@domain)", s -> {
            List<MailAddress> out = new ArrayList<>();
            for (String a : s.split(",", -1)) out.add(MailAddress.parse(a.strip()));
            return List.copyOf(out);
        });
    }

    /** A secret text (at most 1024 characters, no control characters); also read from {@code NAME_FILE}. */
    public static Builder<String> secretText(String name) {
        Builder<String> b = new Builder<>(name, "1..1024 characters without control characters", s -> {
            if (s.length() > 1024 || s.chars().anyMatch(c -> c < 0x20 || c == 0x7f))
                throw new IllegalArgumentException();
            return s;
        });
        b.secret = true;
        return b;
    }

    /** Any other type: {@code parser} throws {@link IllegalArgumentException} (its message, if any, is added to the error). */
    public static <T> Builder<T> of(String name, String allowed, Function<String, T> parser) {
        return new Builder<>(name, allowed, parser);
    }

    private static long parseLong(String s, long min, long max) {
        if (!s.matches("-?[0-9]{1,18}")) throw new IllegalArgumentException();
        long v = Long.parseLong(s);
        if (v < min || v > max) throw new IllegalArgumentException();
        return v;
    }

    private static Path toPath(String s) {
        try {
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException();
            return Path.of(s);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException();
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /**
     * A setting being declared; {@link Declarations#add} finishes it.
     *
     * @param <T> the type of the effective value
     */
    public static final class Builder<T> {
        private final String name;
        private final String allowed;
        private final Function<String, T> parser;
        private String flag;
        private Supplier<T> defaultValue;
        private String defaultText;
        private String description;
        private boolean secret;

        private Builder(String name, String allowed, Function<String, T> parser) {
            if (name != null && !name.matches("[A-Z][A-Z0-9_]{0,99}"))
                throw new IllegalArgumentException("setting name " + name);
            this.name = name;
            this.allowed = Objects.requireNonNull(allowed, "allowed");
            this.parser = Objects.requireNonNull(parser, "parser");
        }

        /** The command-line flag that sets it too (e.g. {@code --http-port}). */
        public Builder<T> flag(String f) {
            if (!f.matches("--[a-z][a-z0-9-]{0,40}")) throw new IllegalArgumentException("flag " + f);
            this.flag = f;
            return this;
        }

        /** The default, documented as {@code String.valueOf(value)}. */
        public Builder<T> defaultValue(T value) {
            Objects.requireNonNull(value, "default");
            return defaultValue(
                    value,
                    value instanceof Duration d
                            ? durationText(d)
                            : value instanceof Optional<?> o
                                    ? o.map(String::valueOf).orElse("off")
                                    : String.valueOf(value));
        }

        /** The default, documented as {@code text}. */
        public Builder<T> defaultValue(T value, String text) {
            Objects.requireNonNull(value, "default");
            this.defaultValue = () -> value;
            this.defaultText = text;
            return this;
        }

        /**
         * Documents a default the caller computes from other settings (e.g. the SMTP port from its TLS mode); the
         * reader then finds no value when the setting is unset.
         */
        public Builder<T> documentedDefault(String text) {
            this.defaultText = Objects.requireNonNull(text, "text");
            return this;
        }

        /** A default computed when needed (e.g. the host name), documented as {@code text}. */
        public Builder<T> defaultFrom(Supplier<T> value, String text) {
            this.defaultValue = Objects.requireNonNull(value, "default");
            this.defaultText = Objects.requireNonNull(text, "text");
            return this;
        }

        public Builder<T> describe(String text) {
            this.description = text;
            return this;
        }

        String key() {
            return name != null ? name : flag;
        }

        Setting<T> build(String service) {
            if (name == null && flag == null) throw new IllegalArgumentException("a setting needs a name or a flag");
            return new Setting<>(this, service);
        }

        private String durationText(Duration d) {
            String n = name == null ? "" : name;
            if (n.endsWith("_MS")) return Long.toString(d.toMillis());
            if (n.endsWith("_S") || n.endsWith("_SECONDS")) return Long.toString(d.toSeconds());
            return d.toString();
        }
    }
}
