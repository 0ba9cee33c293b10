package io.videolb.alert.incident;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Something wrong right now, derived from the facts. The {@code id} is the incident key on the
 * alert-state topic and the {@code title} goes into mail subjects: both are built only from typed
 * values (addresses, marks, counts) or {@link #token safe tokens}, never from free event text.
 * The {@code details} are free text for the mail body only.
 */
public record Condition(String id, Kind kind, String title, List<String> details) {
    private static final Pattern ID = Pattern.compile("[a-z-]+/[A-Za-z0-9._/-]{1,200}");
    private static final Pattern TITLE = Pattern.compile("[A-Za-z0-9 .,:()/>+_-]{1,160}");

    /** What kind of trouble; the order is the order of importance in a mail. */
    public enum Kind {
        SPLIT_BRAIN("split brain", Mail.URGENT),
        BACKUP_ALSO_DOWN("backup also down"),
        PANIC("pool in panic (fail-open)"),
        BACKUP_REFUSED("backup lacks streams, not used"),
        HEALTH_STALE("health stale"),
        SERVER_DOWN("server down"),
        AGENT_SILENT("director silent"),
        CHECKER_DEGRADED("health checker degraded"),
        APPLY_FAILING("apply failing"),
        AGENT_BEHIND("director behind the desired generation"),
        FOREIGN_RULES("foreign rules override steering"),
        DESIRED_REFUSED("desired generation refused"),
        DRAIN_DEADLINE_NEAR("drain deadline near with viewers on it"),
        DRAIN_STUCK("drain past its deadline"),
        DIRECTOR_TAKEOVER("director takeover", Mail.ONCE),
        BACKUP_TOOK_OVER("backup took over");

        private final String words;
        private final Mail mail;

        Kind(String words) {
            this(words, Mail.OPEN_AND_RESOLVED);
        }

        Kind(String words, Mail mail) {
            this.words = words;
            this.mail = mail;
        }

        public String words() {
            return words;
        }

        /** An event (a takeover): mailed once when it appears; its end is not news and is dropped silently. */
        public boolean event() {
            return mail == Mail.ONCE;
        }

        /** Mailed at once, without waiting for the grouping window (split brain). */
        public boolean urgent() {
            return mail == Mail.URGENT;
        }
    }

    /** How an incident of a kind is mailed. */
    enum Mail {
        OPEN_AND_RESOLVED,
        URGENT,
        ONCE
    }

    public Condition {
        Objects.requireNonNull(kind, "kind");
        if (id == null || !ID.matcher(id).matches()) throw new IllegalArgumentException("unsafe incident id");
        if (title == null || !TITLE.matcher(title).matches())
            throw new IllegalArgumentException("unsafe incident title");
        details = details == null ? List.of() : List.copyOf(details);
    }

    /**
     * An identifier that is safe in a Kafka key, a Message-ID and a file name: the text itself
     * when it is 1..64 of {@code [A-Za-z0-9._-]}, else {@code h} and 16 hex digits of its SHA-256.
     */
    public static String token(String text) {
        if (text != null && text.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) return text;
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(String.valueOf(text).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "h" + java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
