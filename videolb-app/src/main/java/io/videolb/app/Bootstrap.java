package io.videolb.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where the Kafka broker is, the same way for every subcommand and service: {@code --bootstrap},
 * else {@code VIDEOLB_BOOTSTRAP}, else {@code VIDEOLB_KAFKA_BOOTSTRAP} (alert-service's older name),
 * else the {@code kafka-bootstrap} file a running {@code videolb standalone} writes into its data
 * directory.
 */
final class Bootstrap {
    /** host:port[,host:port...]; host is a name or a literal IPv4 address (no spaces, no options). */
    private static final Pattern SERVERS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}:[0-9]{1,5}(,[A-Za-z0-9][A-Za-z0-9._-]{0,252}:[0-9]{1,5}){0,31}");

    private Bootstrap() {
    }

    /** The bootstrap servers, or an {@link IllegalArgumentException} saying where it looked. */
    static String resolve(String option, Map<String, String> env, Path dataDir) {
        return find(option, env, dataDir).orElseThrow(() -> new IllegalArgumentException(
                "no Kafka broker given: use --bootstrap HOST:PORT, set VIDEOLB_BOOTSTRAP, or start `videolb standalone` (it writes "
                        + dataDir.resolve(StandaloneRuntime.BOOTSTRAP_FILE) + ")"));
    }

    static Optional<String> find(String option, Map<String, String> env, Path dataDir) {
        if (present(option)) return Optional.of(check("--bootstrap", option));
        if (present(env.get("VIDEOLB_BOOTSTRAP"))) return Optional.of(check("VIDEOLB_BOOTSTRAP", env.get("VIDEOLB_BOOTSTRAP")));
        if (present(env.get("VIDEOLB_KAFKA_BOOTSTRAP"))) return Optional.of(check("VIDEOLB_KAFKA_BOOTSTRAP", env.get("VIDEOLB_KAFKA_BOOTSTRAP")));
        Path file = dataDir.resolve(StandaloneRuntime.BOOTSTRAP_FILE);
        if (Files.isRegularFile(file)) {
            try {
                return Optional.of(check(file.toString(), Files.readString(file, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    private static String check(String where, String value) {
        String v = value.strip();
        if (!SERVERS.matcher(v).matches()) {
            throw new IllegalArgumentException(where + ": expected HOST:PORT[,HOST:PORT], got '"
                    + io.videolb.model.FieldText.escape(v, 100) + "'");
        }
        for (String hp : v.split(",")) {
            int port = Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1));
            if (port < 1 || port > 65535) throw new IllegalArgumentException(where + ": port must be 1..65535 in '" + hp + "'");
        }
        return v;
    }

    /**
     * A copy of {@code env} in which every service's bootstrap variable (VIDEOLB_BOOTSTRAP,
     * VIDEOLB_KAFKA_BOOTSTRAP) and the topic prefix are the resolved ones, for the services'
     * own {@code Config.fromEnv}.
     */
    static Map<String, String> overlay(Map<String, String> env, String bootstrap, String topicPrefix) {
        Map<String, String> m = new HashMap<>(env);
        m.put("VIDEOLB_BOOTSTRAP", bootstrap);
        m.put("VIDEOLB_KAFKA_BOOTSTRAP", bootstrap);
        if (topicPrefix != null) m.put("VIDEOLB_TOPIC_PREFIX", topicPrefix);
        return m;
    }
}
