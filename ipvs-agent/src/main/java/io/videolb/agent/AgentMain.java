package io.videolb.agent;

import io.videolb.runtime.settings.CommonSettings;
import io.videolb.runtime.settings.SettingsReader;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the agent as a plain process, configured from the settings reader ({@link AgentSettings#read}:
 * VIDEOLB_* variables, the settings file). {@code AgentMain plan} and {@code AgentMain cleanup} run the CLI actions.
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) throws Exception {
        SettingsReader reader = SettingsReader.forProcess().known(List.of(CommonSettings.DECLARED, AgentSettings.DECLARED)).build();
        AgentSettings config = AgentSettings.read(reader);
        if (args.length > 0 && args[0].equals("plan")) {
            System.exit(IpvsAgent.plan(config, System.out, reader.get(AgentSettings.PLAN_WAIT)));
        }
        if (args.length > 0 && args[0].equals("cleanup")) System.exit(IpvsAgent.cleanup(config, System.out));
        IpvsAgent agent = new IpvsAgent(config).start();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stop.countDown();
        }));
        stop.await();
    }
}
