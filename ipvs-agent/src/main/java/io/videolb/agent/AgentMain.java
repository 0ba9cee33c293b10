package io.videolb.agent;

import io.videolb.runtime.ExitCode;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.threads.NamedThreads;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the agent as a plain process, configured from VIDEOLB_* environment variables (see
 * {@link Config#fromEnv}). {@code AgentMain plan} and {@code AgentMain cleanup} run the CLI actions.
 * Exit codes are {@link ExitCode}'s: a bad VIDEOLB_* value is {@link ExitCode#USAGE}, a failed start {@link ExitCode#FAILED}.
 */
public final class AgentMain {
    private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

    private AgentMain() {}

    public static void main(String[] args) throws Exception {
        Config config;
        try {
            config = Config.fromEnv(System.getenv());
        } catch (IllegalArgumentException e) {
            exit(ExitCode.USAGE, "ipvs-agent: " + e.getMessage());
            return;
        }
        if (args.length > 0 && args[0].equals("plan")) {
            String wait = System.getenv().getOrDefault("VIDEOLB_PLAN_WAIT_S", "30");
            if (!wait.matches("[1-9][0-9]{0,4}")) exit(ExitCode.USAGE, "ipvs-agent plan: VIDEOLB_PLAN_WAIT_S: seconds 1..99999, got " + wait);
            exit(IpvsAgent.plan(config, System.out, java.time.Duration.ofSeconds(Long.parseLong(wait))), null);
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
