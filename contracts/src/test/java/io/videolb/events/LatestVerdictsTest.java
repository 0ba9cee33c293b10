package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.model.Ipv4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatestVerdictsTest {
    private static final Ipv4Address A = Ipv4Address.parse("192.0.2.11");
    private static final Ipv4Address B = Ipv4Address.parse("192.0.2.2");

    private static HealthVerdict v(Ipv4Address server, Verdict verdict, long seq) {
        return new HealthVerdict(server, verdict, ProbeLevel.RTMP, "r" + seq, 10, "c1", seq, 1000 + seq);
    }

    @Test
    void theHighestSequencePerServerWinsAndDuplicatesOrOlderOnesAreIgnored() {
        LatestVerdicts l = new LatestVerdicts();
        assertThat(l.accept(v(A, Verdict.DOWN, 5))).isTrue();
        assertThat(l.accept(v(A, Verdict.UP, 5))).as("same sequence").isFalse();
        assertThat(l.accept(v(A, Verdict.UP, 4))).as("older").isFalse();
        assertThat(l.get(A).verdict()).isEqualTo(Verdict.DOWN);
        assertThat(l.accept(v(A, Verdict.UP, 6))).isTrue();
        assertThat(l.get(A).sequence()).isEqualTo(6);
        assertThat(l.get(B)).isNull();
    }

    @Test
    void serversAreKeptInAddressOrderAndCanBeForgotten() {
        LatestVerdicts l = new LatestVerdicts();
        l.accept(v(A, Verdict.UP, 1));
        l.accept(v(B, Verdict.DOWN, 1));
        assertThat(List.copyOf(l.view().keySet())).containsExactly(B, A); // 192.0.2.2 before 192.0.2.11
        assertThat(l.size()).isEqualTo(2);
        assertThat(l.remove(B)).isTrue();
        assertThat(l.remove(B)).isFalse();
        // after a tombstone the server starts afresh: any sequence is accepted again
        assertThat(l.accept(v(B, Verdict.UP, 1))).isTrue();
        l.removeIf(a -> a.equals(A));
        assertThat(l.all()).containsOnlyKeys(B);
    }

    @Test
    void allIsACopyThatLaterVerdictsDoNotChange() {
        LatestVerdicts l = new LatestVerdicts();
        l.accept(v(A, Verdict.UP, 1));
        var copy = l.all();
        l.accept(v(A, Verdict.DOWN, 2));
        assertThat(copy.get(A).verdict()).isEqualTo(Verdict.UP);
        assertThat(l.view().get(A).verdict()).isEqualTo(Verdict.DOWN);
    }
}
