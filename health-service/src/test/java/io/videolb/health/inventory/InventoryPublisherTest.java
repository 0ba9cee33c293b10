package io.videolb.health.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.events.ServerStreams;
import io.videolb.health.Endpoint;
import io.videolb.health.StatsUrl;
import io.videolb.health.probe.InventoryResult;
import io.videolb.health.schedule.InventoryPoller;
import io.videolb.health.schedule.SequenceClock;
import io.videolb.model.Ipv4Address;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When an inventory record is published, and what it says; the stats URL template. */
class InventoryPublisherTest {
    static final Ipv4Address A = Ipv4Address.parse("192.0.2.21");
    long now = 1_000;
    final List<ServerStreams> published = new ArrayList<>();
    final List<Ipv4Address> tombstoned = new ArrayList<>();
    final InventoryPublisher p = new InventoryPublisher(
            "hc-1", new SequenceClock(() -> now * 1000), () -> now, 30_000, published::add, tombstoned::add);

    static InventoryResult carrying(int viewers) {
        return InventoryResult.known(
                new StreamInventory(List.of(new StreamInventory.Stream("live", "cam7", true, viewers, 0)), 0), 10);
    }

    @Test
    void publishesOnChangeAndOnRefreshOnlyWithIncreasingSequences() {
        p.read(A, carrying(1));
        now += 1_000;
        p.read(A, carrying(1)); // same content, refresh not due
        assertThat(published).hasSize(1);
        now += 1_000;
        p.read(A, carrying(2)); // a viewer more
        assertThat(published).hasSize(2);
        now += 30_000;
        p.read(A, carrying(2)); // refresh due
        assertThat(published).hasSize(3);
        assertThat(published.get(1).sequence()).isGreaterThan(published.get(0).sequence());
        assertThat(published.get(2).sequence()).isGreaterThan(published.get(1).sequence());
        assertThat(published.get(1).streams().get(0).viewers()).isEqualTo(2);
        assertThat(published.get(1).checkerId()).isEqualTo("hc-1");
        assertThat(published.get(1).observedAtMs()).isEqualTo(3_000);
    }

    @Test
    void anUnchangedInventoryIsRefreshedWellWithinTheAgentsStalenessBound() {
        // the defaults: verdicts refreshed every 30 s, a heartbeat every 2 s, agents' bound 15 s
        long every = InventoryPublisher.refreshMs(30_000, 2_000);
        assertThat(every).isEqualTo(6_000).isLessThan(15_000 / 2);
        assertThat(InventoryPublisher.refreshMs(1_000, 2_000)).isEqualTo(1_000);
        assertThatThrownBy(() -> InventoryPublisher.refreshMs(30_000, 0)).isInstanceOf(IllegalArgumentException.class);
        InventoryPublisher q = new InventoryPublisher(
                "hc-1", new SequenceClock(() -> now * 1000), () -> now, every, published::add, tombstoned::add);
        q.read(A, carrying(0));
        for (int i = 0; i < 10; i++) { // a steady server read every 2 s for 20 s
            now += 2_000;
            q.read(A, carrying(0));
        }
        assertThat(published).hasSize(4); // at 0, 6, 12 and 18 s: never older than 6 s
        for (int i = 1; i < published.size(); i++)
            assertThat(published.get(i).observedAtMs() - published.get(i - 1).observedAtMs())
                    .isEqualTo(6_000);
    }

    @Test
    void anUnknownReadIsPublishedWithItsReasonAndAServerNoLongerReadIsTombstoned() {
        p.read(A, carrying(1));
        p.read(A, InventoryResult.unknown("no rtmp_stat from 192.0.2.21:8080/stat within 500 ms", 500_000));
        assertThat(published).hasSize(2);
        assertThat(published.get(1).known()).isFalse();
        assertThat(published.get(1).streams()).isEmpty();
        assertThat(published.get(1).reason()).isEqualTo("no rtmp_stat from 192.0.2.21:8080/stat within 500 ms");
        p.retain(Set.of());
        assertThat(tombstoned).containsExactly(A);
        p.retain(Set.of());
        assertThat(tombstoned).containsExactly(A);
    }

    @Test
    void anInventoryThatDoesNotFitOneRecordIsUnknownWithTheReason() {
        List<StreamInventory.Stream> many = new ArrayList<>();
        for (int i = 0; i <= ServerStreams.MAX_STREAMS; i++)
            many.add(new StreamInventory.Stream("live", "s" + i, true, 0, 0));
        p.read(A, InventoryResult.known(new StreamInventory(many, 0), 1));
        assertThat(published.get(0).known()).isFalse();
        assertThat(published.get(0).reason()).isEqualTo("151 streams, more than 150 fit one inventory record");
        p.read(
                A,
                InventoryResult.known(
                        new StreamInventory(
                                List.of(new StreamInventory.Stream("live", "x".repeat(200), true, 0, 0)), 0),
                        1));
        assertThat(published.get(1).reason()).startsWith("not publishable: stream name 'xxxx");
    }

    @Test
    void theStatsUrlTemplateIsStrict() {
        StatsUrl u = StatsUrl.parse("http://{ip}:8080/stat");
        assertThat(u.of(new Endpoint(A, 1935, 80)))
                .isEqualTo(new InventoryPoller.StatsEndpoint("192.0.2.21", 8080, "/stat"));
        assertThat(StatsUrl.parse("http://{ip}:8080").path()).isEqualTo("/");
        assertThat(u.toString()).isEqualTo("http://{ip}:8080/stat");
        assertThatThrownBy(() -> StatsUrl.parse("https://{ip}:8080/stat"))
                .hasMessageStartingWith("expected http://{ip}:PORT/PATH");
        assertThatThrownBy(() -> StatsUrl.parse("http://evil.example:8080/stat"))
                .hasMessageStartingWith("expected");
        assertThatThrownBy(() -> StatsUrl.parse("http://{ip}:99999/stat")).hasMessage("port 99999 not in 1..65535");
        assertThatThrownBy(() -> StatsUrl.parse("http://{ip}:80x/stat")).hasMessageStartingWith("port '80x' is not");
        assertThatThrownBy(() -> StatsUrl.parse("http://{ip}:8080/st at"))
                .hasMessageStartingWith("path must start with /");
    }
}
