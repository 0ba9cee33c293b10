package io.videolb.agent.testing;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.TestNetns;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.Names;
import io.videolb.events.Topics;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.AgentStatusWatch;
import io.videolb.testsupport.kafka.SharedBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * The real {@link IpvsAgent} on the embedded broker ({@link SharedBroker}) with fresh topics and a watch on its
 * agent-status topic: either with its steering applied for real inside a private network namespace the fixture
 * creates ({@link #inNamespace}; the host kernel has no IPVS, so that part runs plan-only, "steering-only"), or on a
 * kernel the test gives ({@link #start(AgentSettings, Kernel)}) or none ({@code planOnly}). The agent runs on its own
 * {@link ServiceRuntime}: {@link #stopAgent} and {@link #start} again is a process restart; {@link #close} stops it,
 * closes the watch and deletes the namespace.
 */
public final class AgentOnBroker implements AutoCloseable {
    public final Path tmp;
    public final Topics topics;
    public final AgentStatusWatch status;
    /** The network namespace the steering is applied in; null without one. */
    public final String ns;

    private ServiceRuntime runtime;
    private IpvsAgent agent;

    private AgentOnBroker(Path tmp, String topicsHint, String ns) {
        this.tmp = tmp;
        this.ns = ns;
        if (ns != null) TestNetns.add(ns);
        try {
            this.topics = SharedBroker.freshTopics(topicsHint);
            this.status = AgentStatusWatch.of(topics);
        } catch (RuntimeException e) {
            if (ns != null) TestNetns.delete(ns);
            throw e;
        }
    }

    /** With a private network namespace {@code NSPREFIX-RANDOM} (needs root). */
    public static AgentOnBroker inNamespace(String nsPrefix, String topicsHint, Path tmp) {
        return new AgentOnBroker(
                tmp, topicsHint, nsPrefix + "-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** Without a namespace: the test gives the kernel or runs the agent plan-only. */
    public static AgentOnBroker withoutNamespace(String topicsHint, Path tmp) {
        return new AgentOnBroker(tmp, topicsHint, null);
    }

    /**
     * The settings the ITs share: this broker and topics, policy 0.5 / drain 5 s / hold-down 0, sysctls and state
     * under {@link #tmp}, HTTP on a free loopback port, runs at most every 50 ms, resync 60 s, drain poll 1 s; the
     * rules files under {@link #tmp} in a namespace, none without one. The test changes what it needs.
     */
    public AgentSettings.Builder settings(String director) {
        boolean files = ns != null;
        return AgentSettings.builder()
                .director(director)
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .policy(new Policy(0.5, 5_000, 0))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(files ? tmp.resolve("ipvsadm.rules") : null)
                .iptablesRules(files ? tmp.resolve("rules.v4") : null)
                .ipsetRules(files ? tmp.resolve("ipsets") : null)
                .httpHost("127.0.0.1")
                .httpPort(0)
                .minInterval(Duration.ofMillis(50))
                .resync(Duration.ofSeconds(60))
                .drainPoll(Duration.ofSeconds(1));
    }

    /** Starts the agent: on the namespace's kernel with one, else plan-only as {@code settings} say. */
    public IpvsAgent start(AgentSettings settings) throws IOException {
        return ns != null
                ? start(settings, new Kernel(TestNetns.in(ns), Tools.DEFAULT, Names.DEFAULT))
                : deploy(settings, null);
    }

    /** Starts the agent on {@code kernel}. */
    public IpvsAgent start(AgentSettings settings, Kernel kernel) throws IOException {
        return deploy(settings, kernel);
    }

    private IpvsAgent deploy(AgentSettings settings, Kernel kernel) throws IOException {
        if (runtime != null) throw new IllegalStateException("the agent is running: stopAgent() first");
        Files.createDirectories(tmp.resolve("state"));
        runtime = ServiceRuntime.create();
        agent = runtime.deploy(
                kernel == null ? new IpvsAgent(settings, runtime) : new IpvsAgent(settings, kernel, runtime));
        return agent;
    }

    /** The running agent (the last one started). */
    public IpvsAgent agent() {
        return agent;
    }

    /** Stops the agent and its runtime (as a process stop); {@link #start} builds a new one. */
    public void stopAgent() {
        if (runtime != null) runtime.close();
        runtime = null;
    }

    /** A command's output inside the namespace. */
    public String sh(String... argv) {
        if (ns == null) throw new IllegalStateException("no namespace");
        return TestNetns.sh(ns, argv);
    }

    @Override
    public void close() {
        try {
            stopAgent();
            status.close();
        } finally {
            if (ns != null) TestNetns.delete(ns);
        }
    }
}
