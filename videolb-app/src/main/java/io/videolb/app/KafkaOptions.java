package io.videolb.app;

import java.nio.file.Path;
import java.util.Map;

import io.videolb.events.Topics;
import picocli.CommandLine.Option;

/** {@code --bootstrap}, {@code --topic-prefix}, {@code --data-dir}: shared by every subcommand that talks to Kafka. */
final class KafkaOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers. Default: $VIDEOLB_BOOTSTRAP, $VIDEOLB_KAFKA_BOOTSTRAP, or DATA-DIR/kafka-bootstrap of a running standalone.")
    String bootstrap;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX",
            description = "Prefix of every topic name. Default: $VIDEOLB_TOPIC_PREFIX or videolb.")
    String topicPrefix;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory of a standalone process (for its kafka-bootstrap file). Default: $VIDEOLB_DATA_DIR or ./.videolb-data.")
    Path dataDir;

    static Path dataDir(Path option, Map<String, String> env) {
        if (option != null) return option;
        String d = env.get("VIDEOLB_DATA_DIR");
        return Path.of(d == null || d.isBlank() ? ".videolb-data" : d);
    }

    String bootstrap(Map<String, String> env) {
        return Bootstrap.resolve(bootstrap, env, dataDir(dataDir, env));
    }

    Topics topics(Map<String, String> env) {
        String p = topicPrefix != null ? topicPrefix : env.get("VIDEOLB_TOPIC_PREFIX");
        return p == null || p.isBlank() ? Topics.DEFAULT : new Topics(p.strip());
    }

    /** env with the resolved bootstrap and prefix, for a service's own {@code Config.fromEnv}. */
    Map<String, String> serviceEnv(Map<String, String> env) {
        return Bootstrap.overlay(env, bootstrap(env), topics(env).prefix());
    }
}
