package io.videolb.config.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.videolb.config.bench.StateGenerator;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MassRemovalGuardTest {
    static DesiredState without(DesiredState s, int count) {
        List<Ipv4Network> keys = new ArrayList<>(s.clients().keySet());
        DesiredState out = s;
        for (int i = 0; i < count; i++) out = out.withClient(keys.get(i), null);
        return out;
    }

    @Test
    void refusesAnImportRemovingMoreThanHalfOfManyClientEntries() {
        MassRemovalGuard g = MassRemovalGuard.DEFAULT;
        DesiredState thousand = StateGenerator.state(1_000, 0);
        assertThat(thousand.clients()).hasSize(1_000);
        assertThat(g.refusal(thousand, without(thousand, 500)))
                .as("exactly half")
                .isEmpty();
        assertThat(g.refusal(thousand, without(thousand, 501)))
                .hasValueSatisfying(m -> assertThat(m)
                        .startsWith("the import would remove 501 of the 1000 client entries (50 %, more than 50 %)")
                        .contains("force"));
        assertThat(g.refusal(thousand, without(thousand, 999))).isPresent();
        assertThat(g.refusal(thousand, StateGenerator.state(1_000, 1)))
                .as("every client moved to another mark: nothing removed")
                .isEmpty();
        assertThat(g.refusal(null, without(thousand, 999))).as("first import").isEmpty();
    }

    @Test
    void smallClustersAndSmallRemovalsAreOrdinaryEdits() {
        DesiredState hundredFifty = StateGenerator.state(150, 0);
        assertThat(MassRemovalGuard.DEFAULT.refusal(hundredFifty, without(hundredFifty, 99)))
                .as("99 < 100")
                .isEmpty();
        assertThat(MassRemovalGuard.DEFAULT.refusal(hundredFifty, without(hundredFifty, 100)))
                .isPresent();
        DesiredState ten = StateGenerator.state(10, 0);
        assertThat(MassRemovalGuard.DEFAULT.refusal(ten, without(ten, 10))).isEmpty();
        assertThat(new MassRemovalGuard(0.1, 1).refusal(ten, without(ten, 2))).isPresent();
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> new MassRemovalGuard(0, 1)).hasMessageContaining("maxShare");
        assertThatThrownBy(() -> new MassRemovalGuard(1.5, 1)).hasMessageContaining("maxShare");
        assertThatThrownBy(() -> new MassRemovalGuard(Double.NaN, 1)).hasMessageContaining("maxShare");
        assertThatThrownBy(() -> new MassRemovalGuard(0.5, 0)).hasMessageContaining("minRemoved");
    }
}
