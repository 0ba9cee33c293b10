package io.videolb.app.testing;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.desired.Policy;
import io.videolb.events.Topics;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Path;
import java.time.Duration;

/** The plan-only agent the videolb-app ITs run beside the other services: its settings, no kernel touched. */
public final class PlanOnlyAgent {
    private PlanOnlyAgent() {}

    /**
     * On the shared broker and {@code topics}: plan-only, no rules files, no HTTP, sysctls and state under
     * {@code tmp}, policy 0.5 / drain 5 s / hold-down 0, runs at most every 50 ms, resync 60 s, health stale after
     * {@code healthStale}. The caller creates {@code tmp/state}.
     */
    public static AgentSettings.Builder settings(String director, Topics topics, Path tmp, Duration healthStale) {
        return AgentSettings.builder()
                .director(director)
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .policy(new Policy(0.5, 5_000, 0))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(null)
                .iptablesRules(null)
                .ipsetRules(null)
                .httpPort(-1)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .planOnly(true)
                .healthStale(healthStale);
    }
}
