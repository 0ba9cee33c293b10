package io.videolb.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.events.ProbeLevel;
import io.videolb.events.Verdict;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The per-server verdict state set and last-probe gauge, on a real registry and scrape. */
class ServerSeriesTest {
    final ServiceRuntime runtime = ServiceRuntime.create();
    final ServiceMetrics metrics = runtime.metrics("health-service");
    final ServerSeries series = new ServerSeries(metrics.registry());

    @AfterEach
    void close() {
        runtime.close();
    }

    @Test
    void eachProbedServerHasItsVerdictAsAStateSetAndItsLastProbeAndLeavesWhenNoLongerProbed() {
        Ipv4Address a = Ipv4Address.parse("192.0.2.11");
        Ipv4Address b = Ipv4Address.parse("192.0.2.21");
        Map<Ipv4Address, Verdict> v = new HashMap<>();
        v.put(a, Verdict.DOWN);
        v.put(b, null); // not decided yet
        series.sync(v);
        series.probed(a, ProbeLevel.values()[0], 2_500);
        String level = ProbeLevel.values()[0].name().toLowerCase(java.util.Locale.ROOT);
        assertThat(metrics.scrape())
                .contains(
                        "videolb_health_server_verdict{server=\"192.0.2.11\",service=\"health-service\",verdict=\"down\"} 1.0")
                .contains(
                        "videolb_health_server_verdict{server=\"192.0.2.11\",service=\"health-service\",verdict=\"up\"} 0.0")
                .contains(
                        "videolb_health_server_verdict{server=\"192.0.2.21\",service=\"health-service\",verdict=\"unknown\"} 1.0")
                .contains("videolb_health_server_probe_seconds{level=\"" + level
                        + "\",server=\"192.0.2.11\",service=\"health-service\"} 0.0025");

        v.remove(b);
        v.put(a, Verdict.UP);
        series.sync(v);
        assertThat(metrics.scrape())
                .contains(
                        "videolb_health_server_verdict{server=\"192.0.2.11\",service=\"health-service\",verdict=\"up\"} 1.0")
                .doesNotContain("192.0.2.21");
        series.sync(Map.of());
        assertThat(metrics.scrape()).doesNotContain("videolb_health_server_");
    }
}
