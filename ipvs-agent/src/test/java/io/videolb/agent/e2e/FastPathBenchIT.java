package io.videolb.agent.e2e;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.e2e.TestPublisher.verdict;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.AgentSettings;
import io.videolb.agent.IpvsAgent;
import io.videolb.agent.TestNetns;
import io.videolb.agent.apply.CommandRunner;
import io.videolb.agent.apply.Kernel;
import io.videolb.agent.apply.KernelMode;
import io.videolb.agent.apply.Tools;
import io.videolb.agent.fake.FakeKernel;
import io.videolb.agent.kernel.Names;
import io.videolb.events.Topics;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark (prints figures; only a generous sanity bound is asserted): health verdict published on the embedded
 * broker -> IPVS edit command issued by the real {@link IpvsAgent}, over {@code videolb.bench.flips} (default 20: the short version CI runs; the figures in docs/ipvs-agent.md are 60)
 * DOWN/UP flips of one server (198.51.100.2, no backup: each flip is one real-server delete or add). The agent runs
 * in apply mode with its default loop settings and real reboot files; its steering commands (ipset, iptables with
 * {@code videolb.bench.clients} clients, default 10,000) run for real in a private network namespace, its
 * {@code ipvsadm} calls go to the state-based fake (the host kernel has no IPVS). "Issued" = the moment the agent
 * hands the {@code ipvsadm -R} payload to its command runner. A flip waits for its edit, then a random 200-700 ms
 * (default; {@code -Dvideolb.bench.gap=MIN,MAX}): at that pace some verdicts arrive while the full run that follows
 * an edit 1 s later is in flight. Needs root
 * (VIDEOLB_NETNS_TESTS=skip skips). Figures and command: docs/ipvs-agent.md "Fast path".
 */
class FastPathBenchIT {
    static final int FLIPS = Integer.getInteger("videolb.bench.flips", 20);
    static final int CLIENTS = Integer.getInteger("videolb.bench.clients", 10_000);
    /** The pause after each flip's edit, random in [min, max) ms ({@code videolb.bench.gap}, "min,max"). */
    static final long[] GAP = java.util.Arrays.stream(
                    System.getProperty("videolb.bench.gap", "200,700").split(","))
            .mapToLong(Long::parseLong)
            .toArray();

    static final Duration EDIT_WAIT = Duration.ofSeconds(20);

    final String ns = "vlb-fp-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path tmp;

    ServiceRuntime runtime;
    TestPublisher pub;

    /** ipvsadm calls: (nanoTime, argv + payload); every other tool: the namespace. */
    final List<long[]> editTimes = new ArrayList<>();

    final List<String> editPayloads = new ArrayList<>();
    final List<Long> readTimes = new ArrayList<>();

    @AfterEach
    void tearDown() {
        if (runtime != null) runtime.close();
        if (pub != null) pub.close();
        TestNetns.delete(ns);
    }

    @Test
    void verdictPublishedToIpvsEditIssued() throws Exception {
        TestNetns.add(ns);
        FakeKernel fake = new FakeKernel();
        CommandRunner netns = TestNetns.in(ns);
        CommandRunner hybrid = (argv, stdin, timeout) -> {
            long t = System.nanoTime();
            if (!argv.get(0).equals("ipvsadm")) {
                if (argv.equals(List.of("ipset", "list", "-n")))
                    synchronized (readTimes) {
                        readTimes.add(t);
                    }
                return netns.run(argv, stdin, timeout);
            }
            synchronized (editTimes) {
                if (argv.equals(List.of("ipvsadm", "-R"))) {
                    editTimes.add(new long[] {t});
                    editPayloads.add(stdin);
                    editTimes.notifyAll();
                }
                return fake.run(argv, stdin, timeout); // the fake is not thread-safe: one call at a time
            }
        };
        Path proc = Files.createDirectories(tmp.resolve("proc/net"));
        Files.writeString(proc.resolve("ip_vs"), ""); // IPVS is "in the kernel": the fake answers ipvsadm
        Files.createDirectories(tmp.resolve("sys/net/ipv4/vs"));
        Files.createDirectories(tmp.resolve("state"));
        Files.createDirectories(tmp.resolve("etc"));
        Topics topics = SharedBroker.freshTopics("agent-fastpath");
        pub = new TestPublisher(SharedBroker.bootstrapServers(), topics);
        AgentSettings config = AgentSettings.builder()
                .director("it-fastpath")
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .procRoot(tmp.resolve("proc"))
                .sysctlRoot(tmp.resolve("sys"))
                .stateDir(tmp.resolve("state"))
                .ipvsRules(tmp.resolve("etc/ipvsadm.rules"))
                .iptablesRules(tmp.resolve("etc/rules.v4"))
                .ipsetRules(tmp.resolve("etc/ipsets"))
                .httpHost("127.0.0.1")
                .httpPort(-1)
                .planOnly(false)
                .build(); // the default loop: min interval 200 ms, resync 30 s

        DesiredState s = cluster();
        TreeMap<Ipv4Network, Fwmark> clients = new TreeMap<>(s.clients());
        for (int i = 0; i < CLIENTS; i++)
            clients.put(
                    Ipv4Network.parse("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)), new Fwmark(2));
        pub.publish(new DesiredState(s.params(), clients, s.pools(), s.backups()));
        runtime = ServiceRuntime.create();
        IpvsAgent agent =
                runtime.deploy(new IpvsAgent(config, new Kernel(hybrid, Tools.DEFAULT, Names.DEFAULT), runtime));
        assertThat(agent.capabilities().mode()).isEqualTo(KernelMode.APPLY);
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (agent.metrics().appliedGeneration() < 1 && System.nanoTime() < end) Thread.sleep(50);
        assertThat(agent.metrics().appliedGeneration())
                .as("generation 1 applied")
                .isEqualTo(1);
        Thread.sleep(1500); // past the first run's follow-ups

        // an independent reader of the health topic with the agent's own consumer settings: when a verdict was
        // readable, so that the figure splits into Kafka (published -> read) and the agent (read -> edit issued)
        java.util.Map<Long, Long> readAt = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<String, String>(
                    io.videolb.kafka.KafkaSettings.of(SharedBroker.bootstrapServers(), "it-fastpath-reader")
                            .stateConsumer())) {
                var parts = c.partitionsFor(topics.health()).stream()
                        .map(pi -> new org.apache.kafka.common.TopicPartition(pi.topic(), pi.partition()))
                        .toList();
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                while (!stop.get())
                    for (var r : c.poll(Duration.ofMillis(200))) {
                        long t = System.nanoTime();
                        var v = io.videolb.json.Json.read(r.value(), io.videolb.events.HealthVerdict.class);
                        readAt.putIfAbsent(v.sequence(), t);
                    }
            }
        });
        reader.setDaemon(true);
        reader.start();
        Thread.sleep(2000); // the reader is at the end

        long[] ms = new long[FLIPS];
        long[] kafkaMs = new long[FLIPS];
        long[] commitMs = new long[FLIPS];
        int afterARead = 0;
        for (int i = 0; i < FLIPS; i++) {
            boolean up = i % 2 == 1;
            String verb = up ? "-a -f 1 -r 198.51.100.2 " : "-d -f 1 -r 198.51.100.2";
            int seen;
            synchronized (editTimes) {
                seen = editTimes.size();
            }
            long t0 = System.nanoTime();
            pub.verdicts(null, List.of(verdict("198.51.100.2", up, i + 1)));
            long committed = System.nanoTime();
            long issued = awaitEdit(seen, verb);
            ms[i] = (issued - t0) / 1_000_000;
            commitMs[i] = (committed - t0) / 1_000_000;
            Long read = readAt.get((long) i + 1);
            kafkaMs[i] = read == null ? -1 : (read - t0) / 1_000_000;
            synchronized (readTimes) {
                for (long r : readTimes)
                    if (r >= t0 && r <= issued) {
                        afterARead++;
                        break;
                    }
            }
            Thread.sleep(ThreadLocalRandom.current().nextLong(GAP[0], GAP[1]));
        }
        long[] sorted = ms.clone();
        java.util.Arrays.sort(sorted);
        stop.set(true);
        reader.join(5000);
        long[] kafka = kafkaMs.clone();
        java.util.Arrays.sort(kafka);
        long[] commits = commitMs.clone();
        java.util.Arrays.sort(commits);
        String figure = String.format(
                Locale.ROOT,
                "FAST PATH BENCH: verdict published -> ipvsadm edit issued, %d flips %d-%d ms apart, %d clients: p50 %d ms, p99 %d ms,"
                        + " max %d ms, min %d ms; %d of %d edits came after a kernel read (a full run); of it, the"
                        + " publisher's transaction commit p50 %d ms, max %d ms; published -> readable by a consumer with"
                        + " the agent's settings p50 %d ms, p99 %d ms, max %d ms (-1: not seen)",
                FLIPS,
                GAP[0],
                GAP[1],
                CLIENTS,
                sorted[(int) Math.ceil(0.50 * FLIPS) - 1],
                sorted[(int) Math.ceil(0.99 * FLIPS) - 1],
                sorted[FLIPS - 1],
                sorted[0],
                afterARead,
                FLIPS,
                commits[(int) Math.ceil(0.50 * FLIPS) - 1],
                commits[FLIPS - 1],
                kafka[(int) Math.ceil(0.50 * FLIPS) - 1],
                kafka[(int) Math.ceil(0.99 * FLIPS) - 1],
                kafka[FLIPS - 1]);
        System.out.println(figure);
        assertThat(fake.weights(1)).as("the last flip (UP) is in the kernel").containsEntry("198.51.100.2", 1);
        assertThat(sorted[FLIPS - 1]).as("sanity bound, not a goal: " + figure).isLessThan(10_000);
    }

    /** Waits (bounded) for an ipvsadm -R after index {@code seen} whose payload has {@code verb}; its issue time. */
    long awaitEdit(int seen, String verb) throws InterruptedException {
        long end = System.nanoTime() + EDIT_WAIT.toNanos();
        synchronized (editTimes) {
            while (true) {
                for (int j = seen; j < editTimes.size(); j++)
                    if (editPayloads.get(j).contains(verb)) return editTimes.get(j)[0];
                long left = end - System.nanoTime();
                if (left <= 0) throw new AssertionError("no ipvsadm edit with '" + verb + "' within " + EDIT_WAIT);
                editTimes.wait(Math.max(1, left / 1_000_000));
            }
        }
    }
}
