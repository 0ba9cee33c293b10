package io.videolb.agent;

import io.videolb.runtime.ServiceRuntime;
import io.videolb.threads.NamedThreads;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the agent as a plain process, configured from VIDEOLB_* environment variables (see
 * {@link Config#fromEnv}). {@code AgentMain plan} and {@code AgentMain cleanup} run the CLI actions.
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) throws Exception {
        Config config = Config.fromEnv(System.getenv());
        if (args.length > 0 && args[0].equals("plan")) {
            String wait = System.getenv().getOrDefault("VIDEOLB_PLAN_WAIT_S", "30");
            if (!wait.matches("[1-9][0-9]{0,4}")) throw new IllegalArgumentException("VIDEOLB_PLAN_WAIT_S: seconds 1..99999, got " + wait);
            System.exit(IpvsAgent.plan(config, System.out, java.time.Duration.ofSeconds(Long.parseLong(wait))));
        }
        if (args.length > 0 && args[0].equals("cleanup")) System.exit(IpvsAgent.cleanup(config, System.out));
        ServiceRuntime runtime = ServiceRuntime.create();
        try {
            runtime.deploy(new IpvsAgent(config, runtime));
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(NamedThreads.thread("ipvs-agent-shutdown", () -> {
            runtime.close();
            stop.countDown();
        }));
        stop.await();
    }
}
