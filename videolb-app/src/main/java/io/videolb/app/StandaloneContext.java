package io.videolb.app;

import io.videolb.events.Topics;
import io.videolb.kafka.KafkaAccessLayout;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the standalone composition root hands to each service it creates.
 *
 * @param bootstrapServers the embedded broker's {@code HOST:PORT}
 * @param topics           topic names of this installation
 * @param configDir        the operator's CSV directory ({@code --config})
 * @param dataDir          the process's data directory ({@code --data-dir}); the broker keeps its
 *                         log in {@code dataDir/kafka}, services may use other sub-directories
 * @param httpPort         admin HTTP port ({@code --http-port}); the agent uses +1, health +2, alerts +3
 *                         (all any free port when 0)
 * @param agentMode        {@code --agent-mode}
 * @param settings         every service's settings: the process's sources with what standalone assigns
 *                         ({@link StandaloneRuntime#standaloneSettings})
 * @param principals       the Kafka connection of each principal (SCRAM user name, {@link StandaloneKafkaAuth}) on
 *                         the embedded broker; null: every service uses the connection of {@code settings}
 */
public record StandaloneContext(
        String bootstrapServers,
        Topics topics,
        Path configDir,
        Path dataDir,
        int httpPort,
        AgentMode agentMode,
        SettingsReader settings,
        Function<String, KafkaConnection> principals) {

    public StandaloneContext {
        Objects.requireNonNull(agentMode, "agentMode");
        Objects.requireNonNull(settings, "settings");
    }

    /** The connection of the service whose principal is {@code user}, or {@code own} without authentication. */
    public KafkaConnection kafka(KafkaAccessLayout.Principal user, KafkaConnection own) {
        // the principal's identity (SASL), with this process's topic replication and reader trust (generation keys)
        return principals == null
                ? own
                : own.withClientProperties(principals.apply(user.user()).clientProperties());
    }

    /** The HTTP port of the service {@code offset} above the admin port (0 stays 0: any free port). */
    public int port(int offset) {
        return port(httpPort, offset);
    }

    static int port(int httpPort, int offset) {
        return httpPort == 0 ? 0 : httpPort + offset;
    }
}
