package io.videolb.config.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.testsupport.kafka.KafkaCluster;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Chaos test 3 of issue 12: a one-broker deployment (one broker process) whose broker is killed -9 for a while
 * ({@code -Dvideolb.chaos.outageSeconds}, 8 in CI, 60 in the long run) and started again.
 */
class SingleBrokerChaosIT {
    static final long OUTAGE_MS = 1000L * Integer.getInteger("videolb.chaos.outageSeconds", 8);
    static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void theOnlyBrokerKilledRefusesWritesWith503AndRecoversByItself() throws Exception {
        try (KafkaCluster cluster = KafkaCluster.start(1);
                ChaosRig rig = new ChaosRig(cluster, "single")) {
            rig.startWriter();
            ChaosRig.pause(1500);
            long killedAt = System.nanoTime();
            cluster.kill(1);
            ChaosRig.pause(Math.min(4000, OUTAGE_MS / 2));
            AdminClient.Response ready = rig.admin.get("/ready");
            assertThat(ready.status()).as(ready.body()).isEqualTo(503);
            ChaosRig.pause(Math.max(0, OUTAGE_MS - Math.min(4000, OUTAGE_MS / 2)));
            long restartAt = System.nanoTime();
            cluster.restart(1);
            cluster.awaitBrokers(1, WAIT);
            ChaosRig.pause(1000);
            rig.stopWriter();
            long recovery = rig.awaitRecovered(WAIT);
            long during = rig.writer.countBetween(killedAt + 2_000_000_000L, restartAt);
            long p99 = rig.writer.assertRefusedCleanly(killedAt + 2_000_000_000L, restartAt);
            rig.verify("single broker killed " + OUTAGE_MS + " ms: " + during
                    + " writes during the outage all 503, p99 " + p99 + " ms; ready and writing again " + recovery
                    + " ms after the brokers were back");
        }
    }
}
