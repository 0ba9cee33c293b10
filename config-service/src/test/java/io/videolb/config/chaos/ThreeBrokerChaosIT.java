package io.videolb.config.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.events.DesiredStateFolder;
import io.videolb.json.Json;
import io.videolb.kafka.StateTopicReader;
import io.videolb.testsupport.kafka.KafkaCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Chaos tests 1 and 2 of issue 12 on a real three-broker KRaft cluster (three broker processes, replication
 * factor 3, min.insync.replicas 2), config-service running against it and a writer making admin-API edits with
 * If-Match. Short in CI; the long run (more kills, longer outage) is
 * {@code -Dvideolb.chaos.kills=20 -Dvideolb.chaos.outageSeconds=30} (docs/reliability.md).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeBrokerChaosIT {
    static final int KILLS = Integer.getInteger("videolb.chaos.kills", 1);
    static final long DOWN_MS = Long.getLong("videolb.chaos.downMs", 3000);
    static final long OUTAGE_MS = 1000L * Integer.getInteger("videolb.chaos.outageSeconds", 10);
    static final Duration WAIT = Duration.ofSeconds(90);

    static final int SERVICE_KILLS = Integer.getInteger("videolb.chaos.serviceKills", 3);

    static KafkaCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = KafkaCluster.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) cluster.close();
    }

    /** A node that is neither {@code a} nor {@code b}. */
    private static int other(int a, int b) {
        for (int id = 1; id <= cluster.size(); id++) if (id != a && id != b) return id;
        return 1;
    }

    private static List<String> topicsOf(ChaosRig rig) {
        return List.of(rig.topics.desired(), rig.topics.audit(), "__transaction_state");
    }

    /**
     * One kill in CI ({@code -Dvideolb.chaos.kills=N} for the long run): the three kinds of victim in turn run in CI in
     * videolb-app's {@code ServicesUnderBrokerKillsIT}, with the same checks and config-service and every other
     * service as processes.
     */
    @Test
    @Order(1)
    void aBrokerKilledAndRestartedRepeatedlyLosesNoAcknowledgedEditAndAnswersNo503ThatLaterAppears() throws Exception {
        try (ChaosRig rig = new ChaosRig(cluster, "kill")) {
            String txId = DesiredStatePublisher.defaultTransactionalId(rig.topics);
            rig.startWriter();
            ChaosRig.pause(1500);
            StringBuilder victims = new StringBuilder();
            for (int i = 0; i < KILLS; i++) {
                int victim = switch (i % 3) {
                    case 0 -> cluster.leaderOf(rig.topics.desired(), 0).orElse(1);
                    case 1 -> cluster.coordinatorOf(txId).orElse(2);
                    default -> (i % cluster.size()) + 1;
                };
                victims.append(i == 0 ? "" : ",")
                        .append(victim)
                        .append(i % 3 == 0 ? "(desired leader)" : i % 3 == 1 ? "(tx coordinator)" : "(follower)");
                cluster.kill(victim);
                ChaosRig.pause(DOWN_MS);
                cluster.restart(victim);
                cluster.awaitListening(victim, WAIT);
                cluster.awaitBrokers(3, WAIT);
                cluster.awaitFullIsr(topicsOf(rig), WAIT);
                ChaosRig.pause(1000);
            }
            rig.stopWriter();
            long recovery = rig.awaitRecovered(WAIT);
            String figures = rig.verify("one broker kill -9 x" + KILLS + " (down " + DOWN_MS + " ms each; victims "
                    + victims + "), ready and writing again " + recovery + " ms after the last broker was back");
            long acked = rig.writer.acknowledged().size();
            assertThat(acked).as(figures).isGreaterThan(KILLS);
        }
    }

    @Test
    @Order(2)
    void twoBrokersDownRefuseWritesCleanlyWith503AndEverythingRecovers() throws Exception {
        try (ChaosRig rig = new ChaosRig(cluster, "two")) {
            rig.startWriter();
            ChaosRig.pause(1500);
            int a = cluster.leaderOf(rig.topics.desired(), 0).orElse(1);
            int b = a % 3 + 1;
            long killedAt = System.nanoTime();
            cluster.kill(a);
            cluster.kill(b);
            ChaosRig.pause(Math.min(5000, OUTAGE_MS / 2));
            AdminClient.Response ready = rig.admin.get("/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            assertThat(ready.body()).contains("\"reason\"");
            ChaosRig.pause(Math.max(0, OUTAGE_MS - Math.min(5000, OUTAGE_MS / 2)));
            long restartAt = System.nanoTime();
            cluster.restart(a);
            cluster.restart(b);
            cluster.awaitBrokers(3, WAIT);
            ChaosRig.pause(1000);
            rig.stopWriter();
            long recovery = rig.awaitRecovered(WAIT);
            // writes sent once the check had seen the outage (2 s after the kills) until the restart: refused at once
            long during = rig.writer.countBetween(killedAt + 2_000_000_000L, restartAt);
            long p99 = rig.writer.assertRefusedCleanly(killedAt + 2_000_000_000L, restartAt);
            rig.verify("two of three brokers down " + OUTAGE_MS + " ms: " + during
                    + " writes during the outage all 503, p99 " + p99 + " ms; ready and writing again " + recovery
                    + " ms after the brokers were back");
        }
    }

    @Test
    @Order(3)
    void configServiceKilledMidTransactionNeverShowsHalfAGenerationAndTheRestartContinuesTheNumbers() throws Exception {
        try (ChaosRig rig = new ChaosRig(cluster, "svc", true)) {
            DesiredStateFolder folder = new DesiredStateFolder();
            AtomicReference<Throwable> half = new AtomicReference<>();
            AtomicLong seen = new AtomicLong();
            java.util.Random random = new java.util.Random();
            int midTransaction = 0;
            int acked = 0;
            try (StateTopicReader reader = StateTopicReader.start(
                    cluster.settings("chaos-fold-" + System.nanoTime() % 100000),
                    List.of(rig.topics.desired()),
                    new StateTopicReader.Listener() {
                        @Override
                        public void onRecord(StateTopicReader.StateRecord r) {
                            // refuses a generation whose entities do not match its marker's digest and count
                            long refused = folder.refusedTotal();
                            folder.apply(r.key(), r.value()).ifPresent(snap -> seen.set(snap.generation()));
                            if (folder.refusedTotal() != refused)
                                half.compareAndSet(
                                        null,
                                        new IllegalStateException(
                                                folder.refusal().orElseThrow().reason()));
                        }

                        @Override
                        public void onError(Throwable e) {
                            half.set(e);
                        }
                    },
                    WAIT)) {
                for (int i = 0; i < SERVICE_KILLS; i++) {
                    long before = generation(rig);
                    long endBefore = logEnd(rig.topics.desired());
                    String body = bigImport(i);
                    AtomicReference<AdminClient.Response> answer = new AtomicReference<>();
                    Thread importer = io.videolb.threads.NamedThreads.thread("chaos-importer", () -> {
                        try {
                            answer.set(rig.admin.send("POST", "/api/v1/import", body, "\"" + before + "\""));
                        } catch (Exception e) {
                            // the service was killed under it: no answer
                        }
                    });
                    importer.start();
                    // kill as soon as the import's transaction has written records (the log end moved), not after
                    awaitLogEndBeyond(rig.topics.desired(), endBefore, Duration.ofSeconds(60));
                    ChaosRig.pause(random.nextInt(50));
                    rig.killService();
                    importer.join(ChaosRig.REQUEST_TIMEOUT.toMillis());
                    rig.startService();
                    long after = generation(rig);
                    long endAfter = logEnd(rig.topics.desired());
                    AdminClient.Response a = answer.get();
                    if (a != null && a.status() == 200) {
                        acked++;
                        assertThat(after).as("acknowledged import kept").isEqualTo(before + 1);
                    }
                    assertThat(after).isBetween(before, before + 1);
                    if (after == before && endAfter > endBefore)
                        midTransaction++; // written, then aborted by the restart
                    AdminClient.Response next = rig.admin.send(
                            "PUT", "/api/v1/clients/10.20.250." + (i + 1), "{\"mark\":20}", "\"" + after + "\"");
                    assertThat(next.status()).as(next.body()).isEqualTo(200);
                    assertThat(next.body())
                            .as("the restarted service continues the numbers")
                            .contains("\"generation\":" + (after + 1));
                }
                long last = generation(rig);
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (seen.get() < last && half.get() == null && System.nanoTime() < deadline) ChaosRig.pause(100);
                assertThat(half.get()).as("a reader saw half a generation").isNull();
                assertThat(seen.get()).isEqualTo(last);
                assertThat(midTransaction)
                        .as("kills that hit an open transaction")
                        .isPositive();
            }
            rig.verify("config-service SIGKILL x" + SERVICE_KILLS + " during a 20,000-client import (" + midTransaction
                    + " killed with the transaction written but not committed, " + acked
                    + " acknowledged before the kill)");
        }
    }

    private static long generation(ChaosRig rig) throws Exception {
        AdminClient.Response g = rig.admin.get("/api/v1/generation");
        assertThat(g.status()).as(g.body()).isEqualTo(200);
        return Json.MAPPER.readTree(g.body()).path("generation").asLong();
    }

    /** Polls (bounded) until {@code topic}'s log end offset is beyond {@code end}. */
    private static void awaitLogEndBeyond(String topic, long end, Duration wait) {
        try (var c = uncommittedConsumer()) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            long deadline = System.nanoTime() + wait.toNanos();
            while (System.nanoTime() - deadline < 0) {
                if (c.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp) > end) return;
                ChaosRig.pause(10);
            }
        }
        throw new AssertionError("the import wrote nothing within " + wait);
    }

    private static org.apache.kafka.clients.consumer.KafkaConsumer<String, String> uncommittedConsumer() {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", cluster.bootstrapServers());
        p.put("isolation.level", "read_uncommitted");
        p.put("key.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        p.put("value.deserializer", org.apache.kafka.common.serialization.StringDeserializer.class.getName());
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(p);
    }

    /** The desired topic's log end offset, aborted records included (read_uncommitted). */
    private static long logEnd(String topic) {
        try (var c = uncommittedConsumer()) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    /** Four CSV files with 20,000 clients, a different set on odd and even {@code i} (forced: it replaces them all). */
    private static String bigImport(int i) {
        StringBuilder clients = new StringBuilder("IP,fwmark\n");
        int base = (i % 2) * 100;
        for (int j = 0; j < 20_000; j++)
            clients.append("10.20.")
                    .append(base + j / 250)
                    .append('.')
                    .append(j % 250 + 1)
                    .append(",10\n");
        var body = Json.MAPPER.createObjectNode();
        body.put("force", true);
        var f = body.putObject("files");
        ChaosRig.EXAMPLE.forEach(f::put);
        f.put(io.videolb.config.csv.CsvFiles.CLIENTS, clients.toString());
        return body.toString();
    }
}
