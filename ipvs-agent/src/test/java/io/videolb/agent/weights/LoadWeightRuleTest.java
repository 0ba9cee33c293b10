package io.videolb.agent.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The arithmetic edges of load-fed weights, including the ones that broke peers (keepalived #2720, Gorb #47). */
class LoadWeightRuleTest {

    @Test
    void theWeightIsTheFullWeightScaledBySpareCapacityRounded() {
        assertThat(LoadWeightRule.target(100, 0, 1000)).isEqualTo(100);
        assertThat(LoadWeightRule.target(100, 500, 1000)).isEqualTo(50);
        assertThat(LoadWeightRule.target(100, 994, 1000)).isEqualTo(1); // 0.6 rounds to 1
        assertThat(LoadWeightRule.target(100, 250, 1000)).isEqualTo(75);
        assertThat(LoadWeightRule.target(3, 500, 1000)).isEqualTo(2); // 1.5 rounds half up
    }

    @Test
    void gorb47_aSmallShareNeverTruncatesToZero() {
        // Gorb computed int(weight * share): any share below 1/weight became 0 and the server left rotation
        assertThat(LoadWeightRule.target(1, 999, 1000)).isEqualTo(1);
        assertThat(LoadWeightRule.target(100, 999_999, 1_000_000)).isEqualTo(1);
        assertThat(LoadWeightRule.target(1, 0, 1)).isEqualTo(1);
        assertThat(LoadWeightRule.target(1, 1, 1)).isEqualTo(1);
    }

    @Test
    void loadAtOrAboveCapacityGivesTheFloorNeverZeroNorNegative() {
        assertThat(LoadWeightRule.target(65_535, 1000, 1000)).isEqualTo(1);
        assertThat(LoadWeightRule.target(65_535, 5000, 1000)).isEqualTo(1);
        assertThat(LoadWeightRule.target(65_535, Long.MAX_VALUE, 1)).isEqualTo(1);
    }

    @Test
    void keepalived2720_hugeNumbersNeverOverflowPastTheBound() {
        // keepalived added script weights to an int without a bound: after repeated timeouts the sum wrapped
        assertThat(LoadWeightRule.target(65_535, 0, Long.MAX_VALUE)).isEqualTo(65_535);
        assertThat(LoadWeightRule.target(65_535, 1, Long.MAX_VALUE)).isEqualTo(65_535);
        assertThat(LoadWeightRule.target(65_535, Long.MAX_VALUE - 1, Long.MAX_VALUE))
                .isEqualTo(1);
        assertThat(LoadWeightRule.target(65_535, 0, LoadWeightSettings.MAX_CAPACITY))
                .isEqualTo(65_535);
        assertThat(LoadWeightRule.full(Integer.MAX_VALUE, 100)).isEqualTo(65_535);
        assertThat(LoadWeightRule.full(65_536, 1)).isEqualTo(65_535);
        assertThat(LoadWeightRule.full(655, 100)).isEqualTo(65_500);
        assertThat(LoadWeightRule.saturatedAdd(Long.MAX_VALUE, Integer.MAX_VALUE))
                .isEqualTo(Long.MAX_VALUE);
        long sum = 0;
        for (int i = 0; i < 150; i++) sum = LoadWeightRule.saturatedAdd(sum, Integer.MAX_VALUE);
        assertThat(sum).isEqualTo(150L * Integer.MAX_VALUE);
    }

    @Test
    void thePoolFactorKeepsRatiosUnderTheBound() {
        assertThat(LoadWeightRule.factor(1)).isEqualTo(100);
        assertThat(LoadWeightRule.factor(655)).isEqualTo(100);
        assertThat(LoadWeightRule.factor(656)).isEqualTo(99);
        assertThat(LoadWeightRule.factor(65_535)).isEqualTo(1);
        assertThat(LoadWeightRule.factor(Integer.MAX_VALUE)).isEqualTo(1);
        assertThat(LoadWeightRule.full(1000, LoadWeightRule.factor(2000))).isEqualTo(32_000);
        assertThat(LoadWeightRule.full(2000, LoadWeightRule.factor(2000))).isEqualTo(64_000);
    }

    @Test
    void capacityZeroOrNegativeAndNegativeLoadAreRefused() {
        assertThatThrownBy(() -> LoadWeightRule.target(100, 0, 0)).hasMessageContaining("capacity must be >= 1");
        assertThatThrownBy(() -> LoadWeightRule.target(100, 0, -5)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> LoadWeightRule.target(100, -1, 10)).hasMessageContaining("load must be >= 0");
        assertThatThrownBy(() -> LoadWeightRule.target(100, Long.MIN_VALUE, 10)).hasMessageContaining("load");
        assertThatThrownBy(() -> LoadWeightRule.target(0, 0, 10)).hasMessageContaining("full weight");
        assertThatThrownBy(() -> LoadWeightRule.target(65_536, 0, 10)).hasMessageContaining("full weight");
        assertThatThrownBy(() -> LoadWeightRule.full(0, 100)).hasMessageContaining("base weight");
        assertThatThrownBy(() -> LoadWeightRule.factor(0)).hasMessageContaining("maxBase");
        assertThatThrownBy(() -> LoadWeightRule.saturatedAdd(-1, 1)).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> LoadWeightRule.beyondHysteresis(10, 12, 101)).hasMessageContaining("percent");
        assertThatThrownBy(() -> LoadWeightRule.beyondHysteresis(-1, 12, 10)).hasMessageContaining("weights");
    }

    @Test
    void hysteresisIsStrictlyMoreThanThePercentOfTheCurrentWeight() {
        assertThat(LoadWeightRule.beyondHysteresis(100, 110, 10)).isFalse();
        assertThat(LoadWeightRule.beyondHysteresis(100, 90, 10)).isFalse();
        assertThat(LoadWeightRule.beyondHysteresis(100, 111, 10)).isTrue();
        assertThat(LoadWeightRule.beyondHysteresis(100, 89, 10)).isTrue();
        assertThat(LoadWeightRule.beyondHysteresis(1, 2, 10)).isTrue();
        assertThat(LoadWeightRule.beyondHysteresis(50, 50, 0)).isFalse();
        assertThat(LoadWeightRule.beyondHysteresis(50, 51, 0)).isTrue();
        assertThat(LoadWeightRule.beyondHysteresis(65_535, 1, 100)).isFalse(); // 100 %: only above double moves
        assertThat(LoadWeightRule.beyondHysteresis(Integer.MAX_VALUE, 0, 10)).isTrue(); // no int overflow
    }
}
