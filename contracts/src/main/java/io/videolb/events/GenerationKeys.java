package io.videolb.events;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys that sign and verify desired-state generations (issue 13): config-service signs every
 * {@link GenerationMarker} with HMAC-SHA256 over the generation, its digest, the marker's other fields
 * and the canonical entity records ({@link #signedText}); every reader of the desired topic refuses a
 * marker that is unsigned (when signatures are {@linkplain #required() required}), signed by a key it
 * does not know, or whose signature does not match. During a rotation readers accept two keys: the
 * current one and the previous one. Pure: no files, no Kafka (service-runtime reads the key files).
 */
public final class GenerationKeys {
    /** The shortest key accepted: 32 bytes (the HMAC-SHA256 block is 64, its output 32). */
    public static final int MIN_KEY_BYTES = 32;

    private static final String ALGORITHM = "HmacSHA256";
    private static final String FORMAT = "videolb-generation-v1";

    /** No keys, signatures not required: unsigned markers are accepted, signed ones refused (their key is unknown). */
    public static final GenerationKeys NONE = new GenerationKeys(null, List.of(), false);

    /** One secret and its id; the id is derived from the secret, so it can be published without revealing it. */
    public static final class Key {
        private final String id;
        private final byte[] secret;

        private Key(byte[] secret) {
            if (secret.length < MIN_KEY_BYTES)
                throw new IllegalArgumentException(
                        "a generation key needs at least " + MIN_KEY_BYTES + " bytes, got " + secret.length);
            this.secret = secret.clone();
            this.id = keyId(this.secret);
        }

        /** A key from its secret bytes (at least {@link #MIN_KEY_BYTES}). */
        public static Key of(byte[] secret) {
            return new Key(secret);
        }

        public String id() {
            return id;
        }

        @Override
        public String toString() {
            return "key " + id; // never the secret
        }
    }

    private final Key signing;
    private final Map<String, Key> accepted;
    private final boolean required;

    private GenerationKeys(Key signing, List<Key> alsoAccepted, boolean required) {
        this.signing = signing;
        Map<String, Key> m = new LinkedHashMap<>();
        if (signing != null) m.put(signing.id(), signing);
        for (Key k : alsoAccepted) m.putIfAbsent(k.id(), k);
        this.accepted = Collections.unmodifiableMap(m);
        this.required = required;
        if (required && m.isEmpty())
            throw new IllegalArgumentException("signatures are required but no generation key is given");
    }

    /**
     * @param signing      the key that signs and is accepted (null: this process does not sign)
     * @param alsoAccepted keys accepted besides it (the previous key during a rotation)
     * @param required     refuse unsigned markers (false only while an installation migrates to signed generations)
     */
    public static GenerationKeys of(Key signing, List<Key> alsoAccepted, boolean required) {
        return new GenerationKeys(signing, List.copyOf(alsoAccepted), required);
    }

    /** The id of a key: "k" and the first 16 hex digits of SHA-256 over a fixed label and the secret. */
    public static String keyId(byte[] secret) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("videolb generation key id\n".getBytes(StandardCharsets.UTF_8));
            md.update(secret);
            return "k" + HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean signs() {
        return signing != null;
    }

    public boolean required() {
        return required;
    }

    /** The ids of the keys accepted, signing key first. */
    public List<String> acceptedIds() {
        return new ArrayList<>(accepted.keySet());
    }

    /** Id of the signing key, if this process signs. */
    public Optional<String> signingId() {
        return Optional.ofNullable(signing).map(Key::id);
    }

    /**
     * {@code marker} (its signature fields ignored) signed with the signing key over {@code records} (the whole
     * entity set after the generation); unchanged and unsigned when this process has no signing key.
     */
    public GenerationMarker sign(GenerationMarker marker, SortedMap<String, String> records) {
        if (signing == null) return marker.signed(null, null);
        GenerationMarker withId = marker.signed(signing.id(), null);
        return withId.signed(signing.id(), mac(signing, withId, records));
    }

    /**
     * Why {@code marker} must be refused for the entity set {@code records}, or empty when it is acceptable: signed
     * by an accepted key with a matching signature, or unsigned where signatures are not required.
     */
    public Optional<String> refusal(GenerationMarker marker, SortedMap<String, String> records) {
        if (!marker.isSigned()) {
            return required
                    ? Optional.of("generation " + marker.generation() + " is not signed (signatures are required)")
                    : Optional.empty();
        }
        if (marker.keyId() == null || marker.signature() == null)
            return Optional.of("generation " + marker.generation() + " has a key id or a signature but not both");
        Key k = accepted.get(marker.keyId());
        if (k == null) {
            return Optional.of("generation " + marker.generation() + " is signed by unknown key id '"
                    + printable(marker.keyId()) + "' (accepted: " + String.join(", ", accepted.keySet()) + ")");
        }
        byte[] expected = HexFormat.of().parseHex(mac(k, marker, records));
        byte[] given;
        try {
            given = HexFormat.of().parseHex(marker.signature());
        } catch (IllegalArgumentException e) {
            return Optional.of("generation " + marker.generation() + " has a signature that is not hex");
        }
        if (!MessageDigest.isEqual(expected, given)) {
            return Optional.of("generation " + marker.generation() + " has a wrong signature for key " + k.id()
                    + " (forged, or its records were changed)");
        }
        return Optional.empty();
    }

    /** HMAC-SHA256 (hex) of {@link #signedText} with {@code key}. */
    static String mac(Key key, GenerationMarker marker, SortedMap<String, String> records) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key.secret, ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(signedText(marker, records)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The canonical bytes a signature covers: a format line, every marker field except the signature (the key id
     * included), then every entity record in key order. Each field and record is length-prefixed
     * ({@code name:LENGTH:value\n}, lengths in UTF-8 bytes; null is {@code -}), so no two different inputs give
     * the same text.
     */
    public static byte[] signedText(GenerationMarker m, SortedMap<String, String> records) {
        StringBuilder b = new StringBuilder(64 + records.size() * 64);
        b.append(FORMAT).append('\n');
        field(b, "generation", Long.toString(m.generation()));
        field(b, "digest", m.digest());
        field(b, "entities", Integer.toString(m.entities()));
        field(b, "changes", Integer.toString(m.changes()));
        field(b, "source", m.source());
        field(b, "actor", m.actor());
        field(b, "publishedAtMs", Long.toString(m.publishedAtMs()));
        field(b, "importedDigest", m.importedDigest());
        field(b, "keyId", m.keyId());
        field(b, "records", Integer.toString(records.size()));
        for (Map.Entry<String, String> e : records.entrySet()) {
            field(b, "key", e.getKey());
            field(b, "value", e.getValue());
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(name).append(':');
        if (value == null) b.append('-');
        else b.append(value.getBytes(StandardCharsets.UTF_8).length).append(':').append(value);
        b.append('\n');
    }

    private static String printable(String s) {
        String cut = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return io.videolb.model.FieldText.escape(cut);
    }

    @Override
    public String toString() {
        return "generation keys " + accepted.keySet() + (signing == null ? "" : ", signing with " + signing.id())
                + (required ? ", signatures required" : ", unsigned accepted");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenerationKeys g
                && required == g.required
                && accepted.keySet().equals(g.accepted.keySet())
                && Arrays.equals(
                        signingId().stream().toArray(), g.signingId().stream().toArray());
    }

    @Override
    public int hashCode() {
        return accepted.keySet().hashCode() * 31 + Boolean.hashCode(required);
    }
}
