package io.videolb.config.chaos;

import io.videolb.config.ConfigService;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.events.Topics;
import io.videolb.runtime.ServiceRuntime;
import java.nio.file.Path;

/**
 * config-service as its own process for the chaos tests (the same verticle {@code videolb config-service} deploys;
 * this module cannot depend on videolb-app): {@code BOOTSTRAP TOPIC_PREFIX TOKEN_FILE PORT BROKERS}. Runs until killed.
 */
public final class ConfigServiceProcess {
    private ConfigServiceProcess() {}

    public static void main(String[] args) throws Exception {
        int brokers = Integer.parseInt(args[4]); // the topics' replication: N replicas, min ISR min(2, N)
        ConfigServiceSettings config = ConfigServiceSettings.builder()
                .kafka(new io.videolb.runtime.settings.KafkaConnection(
                        args[0],
                        io.videolb.kafka.KafkaClientProperties.NONE,
                        new io.videolb.kafka.TopicReplication(brokers, Math.min(2, brokers))))
                .topics(new Topics(args[1]))
                .httpHost("127.0.0.1")
                .httpPort(Integer.parseInt(args[3]))
                .adminApi(AdminApiSettings.builder(Path.of(args[2])).build())
                .build();
        ServiceRuntime runtime = ServiceRuntime.create();
        runtime.deploy(new ConfigService(config, runtime));
        System.out.println("config-service process ready");
        Thread.currentThread().join(); // until SIGKILL (or SIGTERM: the JVM's hooks close the runtime)
    }
}
