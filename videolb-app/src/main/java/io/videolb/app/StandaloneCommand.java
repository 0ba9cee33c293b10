package io.videolb.app;

import io.videolb.agent.AgentSettings;
import io.videolb.alert.AlertSettings;
import io.videolb.config.ConfigServiceSettings;
import io.videolb.config.http.AdminApiSettings;
import io.videolb.health.HealthServiceSettings;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import io.videolb.threads.NamedThreads;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code videolb standalone}: broker and every service in this one JVM. Prints one line
 * {@code videolb standalone ready (broker=HOST:PORT, ...)} on stdout when everything has started;
 * SIGTERM or Ctrl-C (SIGINT) stops the services in reverse order, then the broker, and the process
 * exits 0.
 */
@Command(
        name = "standalone",
        mixinStandardHelpOptions = true,
        description = {
            "Run the broker and every service in one process (evaluation, a single director).",
            "Exit: 0 after SIGTERM/SIGINT, 1 start failed (e.g. invalid --config files), 2 usage."
        })
final class StandaloneCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCommand.class);

    @Spec
    CommandSpec spec;

    @Option(
            names = "--config",
            required = true,
            paramLabel = "DIR",
            description =
                    "Directory with param.csv, client-list.csv, fwmark-routing-list.csv, realserver-backup-list.csv.")
    Path configDir;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = "./.videolb-data",
            description = "Data directory (Kafka log etc.); a later start reuses it. Default: ${DEFAULT-VALUE}.")
    Path dataDir;

    @Option(
            names = "--http-port",
            paramLabel = "N",
            defaultValue = "8480",
            description = "Admin HTTP port. Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(
            names = "--kafka-port",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Broker port on 127.0.0.1; 0 = any free port (written to DATA-DIR/kafka-bootstrap). Default: ${DEFAULT-VALUE}.")
    int kafkaPort;

    @Option(
            names = "--agent-mode",
            paramLabel = "MODE",
            defaultValue = "auto",
            description =
                    "auto (apply where IPVS and CAP_NET_ADMIN are both present, else plan-only), apply, or plan-only"
                            + " (no kernel command at all). Default: ${DEFAULT-VALUE}.")
    String agentMode;

    @Option(
            names = "--topic-prefix",
            paramLabel = "PREFIX",
            defaultValue = "videolb",
            description = "Prefix of every topic name. Default: ${DEFAULT-VALUE}.")
    String topicPrefix;

    @Option(
            names = "--settings",
            paramLabel = "FILE",
            description =
                    "A KEY=VALUE file of every service's VIDEOLB_* settings (below the environment). Default: $VIDEOLB_SETTINGS_FILE, none.")
    Path settingsFile;

    @Option(
            names = "--print-settings",
            description = "Print every service's effective settings with their source (secrets masked) and exit 0;"
                    + " starts nothing.")
    boolean printSettings;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isDirectory(configDir)) {
            err.println("videolb standalone: --config " + configDir + " is not a directory");
            return ExitCode.USAGE.code();
        }
        if (httpPort < 0 || httpPort > 65535 - 3 || kafkaPort < 0 || kafkaPort > 65535) {
            err.println(
                    "videolb standalone: --kafka-port must be 0..65535, --http-port 0..65532 (it and the next three ports are used)");
            return ExitCode.USAGE.code();
        }
        AgentMode mode;
        try {
            mode = AgentMode.parse(agentMode);
        } catch (IllegalArgumentException e) {
            err.println("videolb standalone: " + e.getMessage());
            return ExitCode.USAGE.code();
        }

        if (printSettings) return printSettings(out, err, mode);

        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<String> reason = new AtomicReference<>();
        // SIGTERM/SIGINT: stop from the main thread (clean, exit code 0) instead of the JVM's
        // default handler (runs shutdown hooks, exit code 143/130)
        boolean signals = SignalHandling.install(sig -> {
            reason.compareAndSet(null, "SIG" + sig);
            stop.countDown();
        });

        StandaloneRuntime runtime;
        try {
            runtime = new StandaloneRuntime(new StandaloneRuntime.Options(
                    configDir, dataDir, httpPort, kafkaPort, topicPrefix, mode, CliSettings.sources(settingsFile)));
        } catch (IllegalArgumentException e) {
            err.println("videolb standalone: " + e.getMessage());
            return 2;
        }
        // safety net for other exits (System.exit elsewhere, SIGHUP, or no signal support)
        Thread hook = NamedThreads.thread("videolb-shutdown", runtime::close);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            runtime.start();
        } catch (Exception e) {
            LOG.error("standalone start failed: {}", e.toString(), e);
            err.println("videolb standalone: start failed: " + e);
            return ExitCode.FAILED.code();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        StandaloneContext ctx = runtime.context();
        StringBuilder ready = new StringBuilder("videolb standalone ready (broker=").append(ctx.bootstrapServers());
        for (String s : runtime.summaries()) ready.append(", ").append(s);
        ready.append(", topics=")
                .append(ctx.topics().prefix())
                .append(".*")
                .append(", data-dir=")
                .append(StandaloneServices.display(ctx.dataDir()))
                .append(", startup-ms=")
                .append(ms)
                .append(')');
        out.println(ready);
        out.flush();
        if (!signals) {
            LOG.warn("signal handlers unavailable: stopping relies on the JVM shutdown hook");
        }
        stop.await();
        LOG.info("{} received: shutting down", reason.get());
        long s0 = System.nanoTime();
        runtime.close();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down
        }
        LOG.info("videolb standalone stopped in {} ms", (System.nanoTime() - s0) / 1_000_000);
        return ExitCode.OK.code();
    }

    /**
     * {@code --print-settings}: every service's settings as the standalone process would read them (the broker's port
     * is chosen at start when --kafka-port is 0; the admin API's token file is DATA-DIR/api-tokens unless set).
     */
    private int printSettings(PrintWriter out, PrintWriter err, AgentMode mode) {
        try {
            Path data = dataDir.toAbsolutePath().normalize();
            SettingsReader r = StandaloneRuntime.standaloneSettings(
                    CliSettings.sources(settingsFile),
                    "127.0.0.1:" + (kafkaPort == 0 ? 9092 : kafkaPort),
                    kafkaPort == 0 ? "the embedded broker, its port chosen at start" : "the embedded broker",
                    topicPrefix,
                    configDir.toAbsolutePath().normalize(),
                    data,
                    httpPort);
            AdminApiSettings api = r.isSet(AdminApiSettings.TOKENS)
                    ? AdminApiSettings.read(r).orElseThrow()
                    : AdminApiSettings.read(r, data.resolve(ApiTokens.TOKEN_FILE));
            ConfigServiceSettings.read(r, java.util.Optional.of(api));
            HealthServiceSettings.read(r);
            AgentSettings.read(r);
            AlertSettings.read(r);
            r.readAll(java.util.List.of(
                    CommonSettings.DECLARED,
                    ConfigServiceSettings.DECLARED,
                    AdminApiSettings.DECLARED,
                    HealthServiceSettings.DECLARED,
                    AgentSettings.DECLARED,
                    AlertSettings.DECLARED));
            out.println("# videolb standalone: every service's settings (agent mode " + mode.label() + ")");
            r.effective().forEach(e -> out.println(e.printable()));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("videolb standalone: " + e.getMessage());
            return 2;
        }
    }
}
