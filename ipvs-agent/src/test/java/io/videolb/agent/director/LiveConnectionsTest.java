package io.videolb.agent.director;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The connections an HA status reports for the promote guard: ESTABLISHED ones, not templates nor closing ones. */
class LiveConnectionsTest {
    @Test
    void onlyEstablishedConnectionsOfARealTableCount() throws IOException {
        String table;
        try (InputStream in =
                LiveConnectionsTest.class.getResourceAsStream("/io/videolb/agent/observed/ip_vs_conn.debian-6.1.txt")) {
            assertThat(in).isNotNull();
            table = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        // the captured table: 1 ESTABLISHED, 2 FIN_WAIT, 2 persistence templates (IP ... ASSURED), and its header
        assertThat(Director.live(table.lines())).isEqualTo(1);
        assertThat(Director.live("TCP CB007116 E5BA C633640A 1F90 C000020C 1F90 TIME_WAIT 97\ngarbage\n".lines()))
                .isZero();
    }
}
