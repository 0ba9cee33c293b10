package io.videolb.agent.desired;

import static io.videolb.agent.Fixtures.cluster;
import static io.videolb.agent.Fixtures.ip;
import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.kernel.Names;
import io.videolb.events.AgentStatus.PoolStatus;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Failover gating (issue 16, decision 99): a backup stands in only if it publishes the streams its server was
 * publishing when last known UP; otherwise the next usable backup of the chain, and the refusal is reported. The gate
 * alone ({@link StreamGate}) and through {@link DesiredKernel#compute}.
 */
class FailoverGatingTest {
    static final long NOW = 10_000_000;
    static final Ipv4Address A = ip("198.51.100.1"); // pool 1, backup B
    static final Ipv4Address B = ip("198.51.100.11"); // backup of A, backed up by C
    static final Ipv4Address C = ip("198.51.100.21");
    final DesiredState chained = cluster().withBackup(B, C);

    static ServerStreamFacts carried(String... streams) {
        return new ServerStreamFacts(Set.of(streams), true, Set.of(streams), "");
    }

    static ServerStreamFacts publishing(String... streams) {
        return new ServerStreamFacts(Set.of(streams), true, Set.of(streams), "");
    }

    static ServerStreamFacts unknown() {
        return new ServerStreamFacts(null, false, Set.of(), "stats read error: timeout");
    }

    static HealthView aDown(Map<Ipv4Address, ServerStreamFacts> streams) {
        return new HealthView(Map.of(A, new ServerHealth(false, 1)), false, streams);
    }

    static DesiredKernel compute(DesiredState s, HealthView h) {
        return DesiredKernel.compute(
                s, h, KernelState.EMPTY, Map.of(), NOW, new Policy(0.5, 60_000, 30_000), Names.DEFAULT);
    }

    static PoolStatus pool1(DesiredKernel dk) {
        return dk.pools().stream().filter(p -> p.mark() == 1).findFirst().orElseThrow();
    }

    static Set<Ipv4Address> servers1(DesiredKernel dk) {
        return dk.state().services().get(new Fwmark(1)).servers().keySet();
    }

    // ---- the gate alone ----

    @Test
    void aBackupPublishingEveryStreamItsServerCarriedIsAccepted() {
        var g = StreamGate.check(A, B, Map.of(A, carried("live/cam7"), B, publishing("live/cam7", "live/cam8")));
        assertThat(g.accepted()).isTrue();
        assertThat(g.describe(B)).isEmpty();
    }

    @Test
    void aBackupLackingAStreamIsRefusedNamingIt() {
        var g = StreamGate.check(
                A, B, Map.of(A, carried("live/cam7", "live/cam8"), B, publishing("live/cam8", "live/other")));
        assertThat(g.accepted()).isFalse();
        assertThat(g.missing()).containsExactly("live/cam7");
        assertThat(g.describe(B)).isEqualTo("backup 198.51.100.11 lacks stream live/cam7");
    }

    @Test
    void aStreamPresentButNotPublishingIsLacking() {
        ServerStreamFacts idle = new ServerStreamFacts(Set.of(), true, Set.of(), ""); // cam7 listed, no publisher
        assertThat(StreamGate.check(A, B, Map.of(A, carried("live/cam7"), B, idle))
                        .accepted())
                .isFalse();
    }

    @Test
    void anUnknownBackupInventoryIsNotAnEmptyServerTheGateCannotDecideAndSaysSo() {
        var g = StreamGate.check(A, B, Map.of(A, carried("live/cam7"), B, unknown()));
        assertThat(g.accepted()).isTrue();
        assertThat(g.describe(B)).contains("inventory of backup 198.51.100.11 unknown", "timeout");
        // no inventory of the backup at all (its pool's stats page off, or not read yet): the same
        assertThat(StreamGate.check(A, B, Map.of(A, carried("live/cam7"))).describe(B))
                .contains("inventory of backup 198.51.100.11 unknown");
    }

    @Test
    void theServersStreamsNeverReadWhileUpCannotDecideEither() {
        var g = StreamGate.check(A, B, Map.of(A, unknown(), B, publishing()));
        assertThat(g.accepted()).isTrue();
        assertThat(g.describe(B)).contains("streams of 198.51.100.1 unknown");
    }

    @Test
    void aServerThatCarriedNothingNeedsNothing() {
        assertThat(StreamGate.check(A, B, Map.of(A, carried(), B, publishing())).describe(B))
                .isEmpty();
    }

    @Test
    void inventoryOffDecidesAsBeforeWithoutAWord() {
        var g = StreamGate.check(A, B, Map.of());
        assertThat(g.accepted()).isTrue();
        assertThat(g.describe(B)).isEmpty();
    }

    // ---- through the kernel computation ----

    @Test
    void aRefusedBackupIsPassedOverForTheNextOneOfTheChainAndReported() {
        DesiredKernel dk = compute(
                chained,
                aDown(Map.of(A, carried("live/cam7"), B, publishing("live/cam8"), C, publishing("live/cam7"))));
        assertThat(servers1(dk)).containsExactlyInAnyOrder(C, ip("198.51.100.2"));
        assertThat(pool1(dk).substitutions()).containsExactly("198.51.100.1->198.51.100.21");
        assertThat(pool1(dk).refusedBackups())
                .containsExactly("198.51.100.1: backup 198.51.100.11 lacks stream live/cam7");
    }

    @Test
    void withNoBackupCarryingTheStreamsNoneStandsInAsWithNoUsableBackup() {
        DesiredKernel dk =
                compute(chained, aDown(Map.of(A, carried("live/cam7"), B, publishing(), C, publishing("live/cam8"))));
        // pool 1 has 2 servers: one unreplaceable is not above the panic share, A is just out
        assertThat(servers1(dk)).containsExactly(ip("198.51.100.2"));
        assertThat(pool1(dk).substitutions()).isEmpty();
        assertThat(pool1(dk).panic()).isFalse();
        assertThat(pool1(dk).refusedBackups())
                .containsExactly(
                        "198.51.100.1: backup 198.51.100.11 lacks stream live/cam7",
                        "198.51.100.1: backup 198.51.100.21 lacks stream live/cam7");
    }

    @Test
    void anAcceptedBackupStandsInWithoutANote() {
        DesiredKernel dk = compute(chained, aDown(Map.of(A, carried("live/cam7"), B, publishing("live/cam7"))));
        assertThat(servers1(dk)).containsExactlyInAnyOrder(B, ip("198.51.100.2"));
        assertThat(pool1(dk).refusedBackups()).isEmpty();
    }

    @Test
    void anUnknownBackupInventoryKeepsTheDocumentedRuleAndIsReported() {
        DesiredKernel dk = compute(chained, aDown(Map.of(A, carried("live/cam7"), B, unknown())));
        assertThat(servers1(dk)).containsExactlyInAnyOrder(B, ip("198.51.100.2"));
        assertThat(pool1(dk).refusedBackups()).singleElement().asString().contains("unknown");
    }

    @Test
    void inventoryOffIsExactlyTheRuleWithoutGating() {
        HealthView off = new HealthView(Map.of(A, new ServerHealth(false, 1)), false);
        DesiredKernel gatedOff = compute(chained, off);
        DesiredKernel noStreams = compute(chained, aDown(new HashMap<>()));
        assertThat(gatedOff).isEqualTo(noStreams);
        assertThat(servers1(gatedOff)).containsExactlyInAnyOrder(B, ip("198.51.100.2"));
        assertThat(pool1(gatedOff).refusedBackups()).isEmpty();
    }

    @Test
    void aServerThatIsUpIsNeverReportedEvenIfItsBackupLacksItsStreams() {
        HealthView allUp = new HealthView(Map.of(), false, Map.of(A, carried("live/cam7"), B, publishing()));
        assertThat(pool1(compute(chained, allUp)).refusedBackups()).isEmpty();
    }

    @Test
    void aSingleServerPoolWhoseOnlyBackupLacksTheStreamsPanicsAsWithoutABackupAndSaysWhy() {
        Ipv4Address s3 = ip("198.51.100.3"); // pool 2's only server, backup .13
        Ipv4Address b13 = ip("198.51.100.13");
        HealthView h = new HealthView(
                Map.of(s3, new ServerHealth(false, 1)), false, Map.of(s3, carried("live/cam7"), b13, publishing()));
        PoolStatus p2 = compute(cluster(), h).pools().stream()
                .filter(p -> p.mark() == 2)
                .findFirst()
                .orElseThrow();
        assertThat(p2.panic()).isTrue();
        assertThat(p2.refusedBackups()).containsExactly("198.51.100.3: backup 198.51.100.13 lacks stream live/cam7");
    }
}
