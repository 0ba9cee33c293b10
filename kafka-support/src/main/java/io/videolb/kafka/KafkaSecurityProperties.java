package io.videolb.kafka;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks on the security part of the operator's Kafka client properties ({@code security.*}, {@code sasl.*},
 * {@code ssl.*}), made when the properties are read, so that a typo fails the start with the file, line and setting
 * instead of a client that silently connects without TLS or authentication, or fails later with a bare
 * "SSL handshake failed":
 *
 * <ul>
 *   <li>a {@code security.}/{@code sasl.}/{@code ssl.} name no Kafka client knows is an error (with the nearest
 *       known name): a misspelt {@code ssl.truststore.locaton} would otherwise be passed on and ignored;
 *   <li>{@code security.protocol} and {@code sasl.mechanism} must be values Kafka knows;
 *   <li>{@code sasl.*} settings need a SASL protocol, {@code ssl.*} store settings a TLS one;
 *   <li>SASL with SCRAM or PLAIN needs {@code sasl.jaas.config};
 *   <li>a keystore or truststore named by {@code ssl.keystore.location} / {@code ssl.truststore.location} must be a
 *       readable file.
 * </ul>
 */
final class KafkaSecurityProperties {
    static final String PROTOCOL = "security.protocol";
    static final String MECHANISM = "sasl.mechanism";
    static final String JAAS = "sasl.jaas.config";
    static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER");
    private static final List<String> STORE_FILES = List.of("ssl.keystore.location", "ssl.truststore.location");
    private static final List<String> FAMILIES = List.of("security.", "sasl.", "ssl.");

    private KafkaSecurityProperties() {}

    /** Checks the entries (keyed by name); throws {@link IllegalArgumentException} naming the entry's origin. */
    static void check(Map<String, KafkaClientProperties.Entry> entries) {
        for (KafkaClientProperties.Entry e : entries.values()) {
            String key = e.key();
            if (FAMILIES.stream().anyMatch(key::startsWith) && !KafkaClientProperties.KNOWN_TO_SOME.contains(key)) {
                throw new IllegalArgumentException(e.origin() + ": " + key + ": not a Kafka client setting"
                        + nearest(key).map(n -> " (did you mean " + n + "?)").orElse(""));
            }
        }
        KafkaClientProperties.Entry protocolEntry = entries.get(PROTOCOL);
        String protocol = "PLAINTEXT";
        if (protocolEntry != null) {
            protocol = protocolEntry.value().toUpperCase(Locale.ROOT);
            if (!PROTOCOLS.contains(protocol))
                throw new IllegalArgumentException(protocolEntry.origin() + ": " + PROTOCOL + "='"
                        + protocolEntry.value() + "': must be one of " + sorted(PROTOCOLS));
        }
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.equals("SSL") || protocol.equals("SASL_SSL");
        String protocolWhere = protocolEntry == null
                ? "security.protocol is not set (PLAINTEXT)"
                : protocolEntry.origin() + ": security.protocol=" + protocol;
        KafkaClientProperties.Entry mechanism = entries.get(MECHANISM);
        if (mechanism != null && !MECHANISMS.contains(mechanism.value().toUpperCase(Locale.ROOT)))
            throw new IllegalArgumentException(mechanism.origin() + ": " + MECHANISM + "='" + mechanism.value()
                    + "': must be one of " + sorted(MECHANISMS));
        for (KafkaClientProperties.Entry e : entries.values()) {
            if (!sasl && e.key().startsWith("sasl."))
                throw new IllegalArgumentException(e.origin() + ": " + e.key() + " needs a SASL security.protocol"
                        + " (SASL_SSL or SASL_PLAINTEXT), but " + protocolWhere + ": it would be ignored");
            if (!tls && e.key().startsWith("ssl.") && e.key().contains("store"))
                throw new IllegalArgumentException(e.origin() + ": " + e.key() + " needs a TLS security.protocol"
                        + " (SSL or SASL_SSL), but " + protocolWhere + ": it would be ignored");
        }
        if (sasl && mechanism != null) { // no mechanism: Kafka's default GSSAPI (Kerberos may use a JAAS file)
            String mech = mechanism.value().toUpperCase(Locale.ROOT);
            if ((mech.startsWith("SCRAM-") || mech.equals("PLAIN")) && !entries.containsKey(JAAS))
                throw new IllegalArgumentException(protocolWhere + " with sasl.mechanism=" + mech + " ("
                        + mechanism.origin() + "): sasl.jaas.config is required (the user name and password)");
        }
        for (String store : STORE_FILES) {
            KafkaClientProperties.Entry e = entries.get(store);
            if (e == null) continue;
            Path file;
            try {
                file = Path.of(e.value());
            } catch (InvalidPathException x) {
                throw new IllegalArgumentException(e.origin() + ": " + store + "='" + e.value() + "': not a path");
            }
            if (!Files.exists(file))
                throw new IllegalArgumentException(e.origin() + ": " + store + "='" + e.value() + "': no such file");
            if (!Files.isRegularFile(file) || !Files.isReadable(file))
                throw new IllegalArgumentException(
                        e.origin() + ": " + store + "='" + e.value() + "': not a readable file");
        }
    }

    private static String sorted(Set<String> values) {
        return String.join(", ", values.stream().sorted().toList());
    }

    /** The known client setting nearest to {@code key} (edit distance at most 3), if any. */
    static Optional<String> nearest(String key) {
        return KafkaClientProperties.KNOWN_TO_SOME.stream()
                .filter(k -> FAMILIES.stream().anyMatch(k::startsWith))
                .map(k -> Map.entry(k, io.videolb.text.EditDistance.between(k, key)))
                .filter(e -> e.getValue() <= 3)
                .min(Comparator.comparing((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }
}
