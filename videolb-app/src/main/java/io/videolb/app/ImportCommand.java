package io.videolb.app;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

import io.videolb.config.ConfigCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code videolb import DIR}: validates, then publishes one generation straight to Kafka. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Validate DIR, then publish it to Kafka as one generation (nothing is published if any file is invalid).",
                "A running config-service is fenced by this on purpose and recovers on its next publish.",
                "Exit: 0 published or unchanged, 1 invalid, 2 Kafka failure or usage."})
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "DIR", description = "CSV directory.")
    Path dir;

    @Mixin
    KafkaOptions kafka;

    @Override
    public Integer call() {
        Map<String, String> env = System.getenv();
        String bootstrap;
        try {
            bootstrap = kafka.bootstrap(env);
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb import: " + e.getMessage());
            return 2;
        }
        return ConfigCli.importDir(dir, bootstrap, kafka.topics(env), "cli:" + user(env), Io.out, Io.err);
    }

    static String user(Map<String, String> env) {
        String u = env.getOrDefault("USER", "unknown");
        return u.matches("[A-Za-z0-9._-]{1,32}") ? u : "unknown";
    }
}
