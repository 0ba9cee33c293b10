package io.videolb.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SplitBrainTest {
    static AgentStatus status(String dir, String state, long since, long publishedAt) {
        return new AgentStatus(
                dir,
                "apply",
                1,
                1,
                publishedAt,
                publishedAt,
                0,
                null,
                null,
                null,
                null,
                new AgentStatus.DirectorHa(state, state.equals("MASTER"), since, "off", 0, "peer", since, "", ""),
                null,
                null);
    }

    @Test
    void bothClaimingAfterTheOtherTookOverIsASplitBrain() {
        var a = status("a", "MASTER", 1_000, 5_000);
        var b = status("b", "MASTER", 2_000, 5_100);
        assertThat(SplitBrain.holders(List.of(a, b))).containsExactly("a", "b");
        assertThat(SplitBrain.of(List.of(b, a))).containsExactly("a", "b");
    }

    @Test
    void aDeadHoldersLastStatusIsNotASplitBrain() {
        var dead = status("a", "MASTER", 1_000, 1_500); // last published before b took over
        var b = status("b", "MASTER", 2_000, 2_050);
        assertThat(SplitBrain.holders(List.of(dead, b))).containsExactly("a", "b");
        assertThat(SplitBrain.of(List.of(dead, b))).isEmpty();
    }

    @Test
    void oneHolderOrNoHaIsFine() {
        var a = status("a", "MASTER", 1_000, 5_000);
        var b = status("b", "BACKUP", 2_000, 5_100);
        var single = new AgentStatus("c", "apply", 1, 1, 1, 1, 0, null, null, null, null);
        assertThat(SplitBrain.of(List.of(a, b, single))).isEmpty();
        assertThat(SplitBrain.holders(List.of(a, b, single))).containsExactly("a");
    }
}
