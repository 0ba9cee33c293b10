package io.videolb.app;

import io.videolb.config.ConfigCli;
import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.KafkaConnection;
import io.videolb.runtime.settings.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code videolb import DIR}: through the admin API when one is named or a standalone is running (validated by the
 * service, audited under the token's name, If-Match, the running config-service keeps its transactional id), else
 * straight to Kafka (a cluster whose config-service is not running yet, or {@code --bootstrap} given).
 */
@Command(
        name = "import",
        mixinStandardHelpOptions = true,
        description = {
            "Validate DIR, then publish it as one generation (nothing is published if any file is invalid).",
            "Through the admin API when --api or $VIDEOLB_API is given or a standalone runs next to DATA-DIR;",
            "else (or with --bootstrap) straight to Kafka, which fences a running config-service (it recovers on its next publish).",
            "Exit: 0 published or unchanged, 1 invalid or refused, 2 usage, 3 admin API unreachable or 5xx, 4 Kafka unreachable or failed."
        })
final class ImportCommand implements Callable<Integer> {
    /** Where an import goes. */
    enum Route {
        API,
        KAFKA
    }

    @Parameters(index = "0", paramLabel = "DIR", description = "CSV directory.")
    Path dir;

    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--api",
            paramLabel = "URL",
            description = "Admin API base URL (import through the running config-service).")
    String api;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description =
                    "Bearer token file for --api. Default: $VIDEOLB_TOKEN, $VIDEOLB_TOKEN_FILE, or DATA-DIR/admin-token.")
    Path tokenFile;

    @Option(
            names = "--force",
            description = "Publish even when the files would remove most client entries (more than half, 100 or more).")
    boolean force;

    @Override
    public Integer call() {
        SettingsReader settings;
        Route route;
        try {
            settings = kafka.reader(b -> b.flag("--api", api));
            Path data = settings.get(CliSettings.DATA_DIR);
            route = route(
                    api,
                    kafka.bootstrap,
                    settings.find(CliSettings.API).isPresent(),
                    Files.isRegularFile(data.resolve(StandaloneServices.ADMIN_URL_FILE)));
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb import: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        if (route == Route.API) {
            ApiOptions a = new ApiOptions();
            a.api = api;
            a.tokenFile = tokenFile;
            a.dataDir = kafka.dataDir;
            CliVerbs v = a.verbs(settings);
            return (v == null ? ExitCode.USAGE : v.importDir(dir, force)).code();
        }
        KafkaConnection connection;
        try {
            connection = new KafkaConnection(
                    Bootstrap.resolve(settings),
                    CommonSettings.kafkaProperties(settings),
                    CommonSettings.topicReplication(settings),
                    CommonSettings.trust(settings));
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb import: " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        return ConfigCli.importDir(
                        dir,
                        connection,
                        CommonSettings.topics(settings),
                        "cli:" + settings.get(CliSettings.USER),
                        force,
                        Io.out,
                        Io.err)
                .code();
    }

    /**
     * The API when it is named ({@code --api}, {@code VIDEOLB_API}) or a standalone runs next to the data dir; Kafka when
     * {@code --bootstrap} is given or nothing names an API. {@code --api} with {@code --bootstrap} is a usage error.
     */
    static Route route(String apiOption, String bootstrapOption, boolean apiSetting, boolean standaloneRunning) {
        if (apiOption != null && bootstrapOption != null) {
            throw new IllegalArgumentException(
                    "give --api (through the admin API) or --bootstrap (straight to Kafka), not both");
        }
        if (apiOption != null) return Route.API;
        if (bootstrapOption != null) return Route.KAFKA;
        return apiSetting || standaloneRunning ? Route.API : Route.KAFKA;
    }
}
