package io.videolb.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EditDistanceTest {
    @Test
    void countsInsertionsDeletionsAndSubstitutions() {
        assertThat(EditDistance.between("", "")).isZero();
        assertThat(EditDistance.between("", "abc")).isEqualTo(3);
        assertThat(EditDistance.between("abc", "")).isEqualTo(3);
        assertThat(EditDistance.between("sasl.mechanism", "sasl.mechanism")).isZero();
        assertThat(EditDistance.between("sasl.mechansim", "sasl.mechanism")).isEqualTo(2);
        assertThat(EditDistance.between("VIDEOLB_HTTP_PORT", "VIDEOLB_HTTP_PROT"))
                .isEqualTo(2);
        assertThat(EditDistance.between("kitten", "sitting")).isEqualTo(3);
        assertThat(EditDistance.between("ssl.keystore.location", "ssl.keystore.locaton"))
                .isEqualTo(1);
    }
}
