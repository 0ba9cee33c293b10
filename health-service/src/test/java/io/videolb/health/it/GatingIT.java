package io.videolb.health.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.HealthBook;
import io.videolb.agent.desired.HealthView;
import io.videolb.agent.desired.Policy;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.alert.incident.Condition;
import io.videolb.alert.incident.Facts;
import io.videolb.events.AgentStatus;
import io.videolb.events.HealthRecord;
import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.health.StatsUrl;
import io.videolb.health.StreamSettings;
import io.videolb.health.testing.HealthTopic;
import io.videolb.health.testing.NginxRtmp;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, failover gating with real parts: two real nginx-rtmp servers fed by ffmpeg on loopback, a real
 * health-service reading their stats pages (pool 2's through its own {@code VIDEOLB_HEALTH_POOL_2_STATS_URL}) and
 * publishing verdicts and inventories to an embedded broker, the agent's own health fold ({@link HealthBook}, fed
 * record by record by a consumer as the agent's reader does) and kernel computation (plan only: no IPVS here), and
 * alert-service's conditions on the status the agent would publish.
 *
 * <p>Primary A (pool 1, publishing live/test and live/cam7) dies; its backup B (a server of pool 2, publishing only
 * live/test) is refused with "backup 198.51.100.21 lacks stream live/cam7" and that is an alert; once ffmpeg
 * publishes live/cam7 on B too, B stands in and the alert condition ends.
 */
class GatingIT {
    static final Ipv4Address A = Ipv4Address.parse("198.51.100.10");
    static final Ipv4Address A2 = Ipv4Address.parse("198.51.100.11");
    static final Ipv4Address B = Ipv4Address.parse("198.51.100.21");
    static final long INTERVAL_MS = 1_000;
    static final long TIMEOUT_MS = 800;

    /** The agent's fold of the health topic: a consumer from offset 0 applying every record as it arrives. */
    static final class Fold implements AutoCloseable {
        final HealthBook book = new HealthBook();
        final KafkaConsumer<String, String> consumer;
        final Thread thread;
        final List<String> unreadable = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean closed;

        Fold(String bootstrap, String topic) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            consumer = new KafkaConsumer<>(p);
            List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition()))
                    .toList();
            assertThat(parts).as("partitions of " + topic).isNotEmpty();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            thread = new Thread(this::run, "gating-it-fold");
            thread.start();
        }

        private void run() {
            try {
                while (!closed) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        synchronized (book) {
                            // kept, not thrown: an assertion here would end this thread silently and freeze the view
                            HealthRecord.Unreadable u =
                                    book.apply(r.key(), r.value()).unreadable();
                            if (u != null && unreadable.size() < 10)
                                unreadable.add(r.key() + " = " + r.value() + ": " + u.problem());
                        }
                    }
                }
            } catch (RuntimeException | Error e) {
                if (!closed) unreadable.add("the fold stopped: " + e);
            }
        }

        HealthView view() {
            assertThat(unreadable)
                    .as("health records the agent's fold could not read, or its failure")
                    .isEmpty();
            synchronized (book) {
                return book.view();
            }
        }

        @Override
        public void close() throws InterruptedException {
            closed = true;
            thread.join(5_000);
            consumer.close();
        }
    }

    static AgentStatus.PoolStatus pool1(DesiredState s, HealthView v) {
        DesiredKernel dk = DesiredKernel.compute(
                s, v, KernelState.EMPTY, Map.of(), System.currentTimeMillis(), Policy.DEFAULT, Names.DEFAULT);
        return dk.pools().stream().filter(p -> p.mark() == 1).findFirst().orElseThrow();
    }

    static List<Condition> conditions(AgentStatus.PoolStatus p) {
        Facts f = new Facts();
        f.agent(
                "d1",
                new AgentStatus(
                        "d1",
                        "plan-only",
                        1,
                        1,
                        System.currentTimeMillis(),
                        System.currentTimeMillis(),
                        0,
                        List.of(),
                        List.of(),
                        List.of(p),
                        List.of()));
        return f.conditions(System.currentTimeMillis());
    }

    static <T> T await(java.util.function.Supplier<T> get, Predicate<T> ok, long timeoutMs, String what)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        T last = null;
        while (System.currentTimeMillis() < deadline) {
            last = get.get();
            if (ok.test(last)) return last;
            Thread.sleep(50);
        }
        throw new AssertionError("not within " + timeoutMs + " ms: " + what + "; last: " + last);
    }

    @Test
    void aBackupWithoutTheStreamIsRefusedAndAlertedAndUsedOnceItCarriesIt() throws Exception {
        String bootstrap = SharedBroker.bootstrapServers();
        Topics topics = SharedBroker.freshTopics("gating");
        DesiredState desired = HealthTopic.state(
                Map.of(1L, List.of(A.toString(), A2.toString()), 2L, List.of(B.toString())),
                Map.of(A.toString(), B.toString()));
        HealthTopic.publishDesired(bootstrap, topics, desired, 1);
        NginxRtmp primary = NginxRtmp.startOrFail();
        boolean primaryStopped = false;
        try (NginxRtmp backup = NginxRtmp.startOrFail()) {
            primary.startPublisher("cam7");
            HealthServiceSettings settings = HealthServiceSettings.builder()
                    .bootstrap(bootstrap)
                    .topics(topics)
                    .checkerId("gating-it")
                    .httpPort(0)
                    .defaults(ProbeSettings.DEFAULT
                            .withLevel(ProbeLevel.RTMP)
                            .withTiming(
                                    Duration.ofMillis(INTERVAL_MS), Duration.ofMillis(TIMEOUT_MS), 1, 1, Duration.ZERO))
                    .endpoints(Map.of(
                            A, new Endpoint(Ipv4Address.parse("127.0.0.1"), primary.rtmpPort, primary.httpPort),
                            A2, new Endpoint(Ipv4Address.parse("127.0.0.1"), backup.rtmpPort, backup.httpPort),
                            B, new Endpoint(Ipv4Address.parse("127.0.0.1"), backup.rtmpPort, backup.httpPort)))
                    .statsUrl(StatsUrl.parse("http://{ip}:" + primary.httpPort + primary.statPath()))
                    .poolStreams(Map.of(
                            2L,
                            new StreamSettings(
                                    StatsUrl.parse("http://{ip}:" + backup.httpPort + backup.statPath()), List.of())))
                    .build();
            try (ServiceRuntime runtime = ServiceRuntime.create();
                    Fold fold = new Fold(bootstrap, topics.health())) {
                runtime.deploy(new HealthService(settings, runtime));
                await(
                        fold::view,
                        v -> v.streams().containsKey(A)
                                && v.streams().get(A).carriedWhenUp() != null
                                && v.streams().get(A).carriedWhenUp().contains("live/cam7")
                                && v.streams().containsKey(B)
                                && v.streams().get(B).publishing().contains("live/test"),
                        30_000,
                        "A's inventory with live/cam7 while up, B's with live/test");
                assertThat(pool1(desired, fold.view()).refusedBackups()).isEmpty(); // nobody is down

                long t0 = System.currentTimeMillis();
                primaryStopped = true;
                primary.close(); // nginx and its publishers stopped by PID
                AgentStatus.PoolStatus p = await(
                        () -> pool1(desired, fold.view()),
                        s -> !s.refusedBackups().isEmpty(),
                        20_000,
                        "B refused for A");
                long refusedAfter = System.currentTimeMillis() - t0;
                assertThat(p.refusedBackups())
                        .containsExactly("198.51.100.10: backup 198.51.100.21 lacks stream live/cam7");
                assertThat(p.substitutions()).isEmpty();
                assertThat(p.inService()).containsExactly(A2 + ":1");
                assertThat(p.panic()).isFalse();
                Condition alert = conditions(p).stream()
                        .filter(c -> c.kind() == Condition.Kind.BACKUP_REFUSED)
                        .findFirst()
                        .orElseThrow();
                assertThat(alert.title()).isEqualTo("backup 198.51.100.21 lacks stream live/cam7");
                System.out.printf(
                        "FIGURE primary stopped -> backup refused (lacks live/cam7) in the agent's plan after %d ms"
                                + " (interval %d ms, fall 1); alert: %s%n",
                        refusedAfter, INTERVAL_MS, alert.title());

                long t1 = System.currentTimeMillis();
                backup.startPublisher("cam7");
                p = await(
                        () -> pool1(desired, fold.view()),
                        s -> !s.substitutions().isEmpty(),
                        20_000,
                        "B standing in for A once it publishes live/cam7");
                long acceptedAfter = System.currentTimeMillis() - t1;
                assertThat(p.substitutions()).containsExactly(A + "->" + B);
                assertThat(p.refusedBackups()).isEmpty();
                assertThat(p.inService()).containsExactlyInAnyOrder(A2 + ":1", B + ":1");
                assertThat(conditions(p))
                        .extracting(Condition::kind)
                        .doesNotContain(Condition.Kind.BACKUP_REFUSED)
                        .contains(Condition.Kind.BACKUP_TOOK_OVER);
                System.out.printf(
                        "FIGURE ffmpeg publishes live/cam7 on the backup -> it stands in after %d ms%n", acceptedAfter);
            }
        } finally {
            if (!primaryStopped) primary.close();
        }
    }
}
