package io.videolb.agent;

import io.videolb.runtime.ExitCode;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import io.videolb.threads.NamedThreads;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent as a plain process, configured from the settings reader ({@link AgentSettings#read}:
 * VIDEOLB_* variables, the settings file). {@code AgentMain plan} and {@code AgentMain cleanup} run the CLI actions.
 * Exit codes are {@link ExitCode}'s: a bad VIDEOLB_* value is {@link ExitCode#USAGE}, a failed start {@link ExitCode#FAILED}.
 */
public final class AgentMain {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    private AgentMain() {}

    public static void main(String[] args) throws Exception {
        SettingsReader reader;
        AgentSettings config;
        try {
            reader = SettingsReader.forProcess()
                    .known(List.of(CommonSettings.DECLARED, AgentSettings.DECLARED))
                    .build();
            config = AgentSettings.read(reader);
        } catch (IllegalArgumentException e) {
            exit(ExitCode.USAGE, "ipvs-agent: " + e.getMessage());
            return;
        }
        if (args.length > 0 && args[0].equals("plan")) {
            exit(IpvsAgent.plan(config, System.out, reader.get(AgentSettings.PLAN_WAIT)), null);
        }
        if (args.length > 0 && args[0].equals("cleanup")) exit(IpvsAgent.cleanup(config, System.out), null);
        ServiceRuntime runtime = ServiceRuntime.create();
        try {
            runtime.deploy(new IpvsAgent(config, runtime));
        } catch (RuntimeException e) {
            runtime.close();
            LOG.error("start failed", e);
            exit(ExitCode.FAILED, "ipvs-agent: start failed: " + e.getMessage());
            return;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(NamedThreads.thread("ipvs-agent-shutdown", () -> {
            runtime.close();
            stop.countDown();
        }));
        stop.await();
    }

    private static void exit(ExitCode code, String message) {
        if (message != null) System.err.println(message);
        System.exit(code.code());
    }
}
