package io.videolb.app;

import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** {@code --bootstrap}, {@code --topic-prefix}, {@code --data-dir}, {@code --settings}: shared by every subcommand that talks to Kafka. */
final class KafkaOptions {
    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description =
                    "Kafka bootstrap servers. Default: $VIDEOLB_BOOTSTRAP, the settings file, or DATA-DIR/kafka-bootstrap of a running standalone.")
    String bootstrap;

    @Option(
            names = "--topic-prefix",
            paramLabel = "PREFIX",
            description = "Prefix of every topic name. Default: $VIDEOLB_TOPIC_PREFIX or videolb.")
    String topicPrefix;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description =
                    "Data directory of a standalone process (for its kafka-bootstrap file). Default: $VIDEOLB_DATA_DIR or ./.videolb-data.")
    Path dataDir;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description =
                    "A KEY=VALUE file of VIDEOLB_* settings (below flags and environment). Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    /** The settings of this command: these flags, {@code moreFlags}, the environment, the settings file, a running standalone's broker. */
    SettingsReader reader(Consumer<SettingsReader.Builder> moreFlags) {
        SettingsReader.Builder b = CliSettings.sources(settingsFile)
                .flag("--bootstrap", bootstrap)
                .flag("--topic-prefix", topicPrefix)
                .flag("--data-dir", dataDir);
        moreFlags.accept(b);
        return Bootstrap.withStandaloneFallback(b);
    }
}
