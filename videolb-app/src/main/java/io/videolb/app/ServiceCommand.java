package io.videolb.app;

import java.util.Map;
import java.util.concurrent.Callable;

import io.videolb.runtime.ExitCode;
import io.videolb.runtime.ServiceRuntime;

import picocli.CommandLine.Mixin;

/**
 * A long-running service subcommand ({@code config-service}, {@code agent}, {@code health},
 * {@code alert}): the shared Kafka options ({@code --bootstrap}, {@code --topic-prefix},
 * {@code --data-dir}), then {@link ServiceRunner#run}: start, one ready line, wait for
 * SIGTERM/SIGINT, close. Each subclass adds its own options (its {@code --http-port} has its own
 * default and text) and builds its service.
 */
abstract class ServiceCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    private final String name;

    /** @param name the name in the ready line and the error messages, e.g. {@code videolb agent running (...)} */
    ServiceCommand(String name) {
        this.name = name;
    }

    @Override
    public final Integer call() {
        return ServiceRunner.run(name, () -> {
            ServiceRuntime runtime = ServiceRuntime.create(); // the process's one Vert.x and registry
            try {
                return start(kafka.serviceEnv(System.getenv()), runtime);
            } catch (Exception | Error e) {
                runtime.close();
                throw e;
            }
        }).code();
    }

    /**
     * Deploys the service on {@code runtime} and returns once it runs; closing the returned
     * {@link ServiceRunner.Started} closes the runtime (which stops the service).
     *
     * @param env the process environment with the resolved bootstrap and topic prefix, for the
     *            service's own {@code Config.fromEnv}
     */
    abstract ServiceRunner.Started start(Map<String, String> env, ServiceRuntime runtime) throws Exception;
}
