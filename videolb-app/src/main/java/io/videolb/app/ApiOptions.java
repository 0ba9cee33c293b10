package io.videolb.app;

import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.SettingsReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --api}, {@code --token-file}, {@code --data-dir}, {@code --settings}: how the CLI verbs reach the admin API.
 * The URL: {@code --api}, else {@code VIDEOLB_API}, else DATA-DIR/admin-url of a running standalone,
 * else http://127.0.0.1:8088. The token: {@code --token-file}, else {@code VIDEOLB_TOKEN} or
 * {@code VIDEOLB_TOKEN_FILE}, else DATA-DIR/admin-token of a standalone.
 */
final class ApiOptions {
    @Option(
            names = "--api",
            paramLabel = "URL",
            description = "Admin API base URL. Default: $VIDEOLB_API, DATA-DIR/admin-url, or http://127.0.0.1:8088.")
    String api;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description =
                    "File whose first line is the bearer token. Default: $VIDEOLB_TOKEN, $VIDEOLB_TOKEN_FILE, or DATA-DIR/admin-token.")
    Path tokenFile;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Data directory of a standalone process. Default: $VIDEOLB_DATA_DIR or ./.videolb-data.")
    Path dataDir;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description = "A KEY=VALUE file of VIDEOLB_* settings. Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    /** The settings of this command (these flags, the environment, the settings file, a running standalone's broker). */
    SettingsReader reader() {
        return Bootstrap.withStandaloneFallback(
                CliSettings.sources(settingsFile).flag("--api", api).flag("--data-dir", dataDir));
    }

    /** The verbs on a client, or null after printing why not (then exit {@link ExitCode#USAGE}). */
    CliVerbs verbs() {
        try {
            return verbs(reader());
        } catch (IllegalArgumentException ex) {
            Io.err.println("videolb: " + ex.getMessage());
            return null;
        }
    }

    /** The verbs with the settings of {@code r}, or null after printing why not. */
    CliVerbs verbs(SettingsReader r) {
        try {
            Path data = r.get(CliSettings.DATA_DIR);
            Map<String, String> client = CliSettings.clientValues(r);
            if (!client.containsKey(CliSettings.API.name())
                    && Files.isRegularFile(data.resolve(StandaloneServices.ADMIN_URL_FILE))) {
                client.put(
                        CliSettings.API.name(),
                        Files.readString(data.resolve(StandaloneServices.ADMIN_URL_FILE), StandardCharsets.UTF_8)
                                .strip());
            }
            Path token = tokenFile;
            if (token == null
                    && !client.containsKey(CliSettings.TOKEN.name())
                    && Files.isRegularFile(data.resolve(ApiTokens.ADMIN_TOKEN))) {
                token = data.resolve(ApiTokens.ADMIN_TOKEN);
            }
            return new CliVerbs(AdminClient.fromEnv(client, token), Io.out, Io.err);
        } catch (IOException | IllegalArgumentException ex) {
            Io.err.println("videolb: " + ex.getMessage());
            return null;
        }
    }
}
