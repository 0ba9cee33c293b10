package io.videolb.app;

import io.videolb.runtime.ExitCode;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.Declarations;
import io.videolb.runtime.settings.SettingsReader;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A long-running service subcommand ({@code config-service}, {@code agent}, {@code health},
 * {@code alert}): the shared Kafka options ({@code --bootstrap}, {@code --topic-prefix},
 * {@code --data-dir}, {@code --settings}), {@code --print-settings}, then {@link ServiceRunner#run}: start, one
 * ready line, wait for SIGTERM/SIGINT, close. Each subclass adds its own flags (its {@code --http-port} sets its
 * own setting) and builds its service from its settings record.
 */
abstract class ServiceCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(
            names = "--print-settings",
            description = "Print every effective setting with its source (secrets masked) and exit 0; starts nothing.")
    boolean printSettings;

    private final String name;

    /** @param name the name in the ready line and the error messages, e.g. {@code videolb agent running (...)} */
    ServiceCommand(String name) {
        this.name = name;
    }

    @Override
    public final Integer call() {
        SettingsReader r;
        try {
            r = kafka.reader(this::flags);
            if (printSettings) {
                settings(r);
                r.readAll(declarations());
                r.print(Io.out);
                Io.out.flush();
                return ExitCode.OK.code();
            }
        } catch (IllegalArgumentException e) {
            Io.err.println("videolb " + name + ": " + e.getMessage());
            return ExitCode.USAGE.code();
        }
        return ServiceRunner.run(name, () -> {
                    ServiceRuntime runtime = ServiceRuntime.create(); // the process's one Vert.x and registry
                    try {
                        return start(r, runtime);
                    } catch (Exception | Error e) {
                        runtime.close();
                        throw e;
                    }
                })
                .code();
    }

    /** Adds this command's own flags to the reader's sources. */
    abstract void flags(SettingsReader.Builder sources);

    /** The declared settings of this service besides the common ones. */
    abstract List<Declarations> ownDeclarations();

    final List<Declarations> declarations() {
        return Stream.concat(Stream.of(CommonSettings.DECLARED), ownDeclarations().stream())
                .toList();
    }

    /** Reads (and validates) this service's settings record. */
    abstract Object settings(SettingsReader r);

    /**
     * Deploys the service on {@code runtime} and returns once it runs; closing the returned
     * {@link ServiceRunner.Started} closes the runtime (which stops the service).
     */
    abstract ServiceRunner.Started start(SettingsReader r, ServiceRuntime runtime) throws Exception;
}
