package io.videolb.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.agent.desired.DesiredKernel;
import io.videolb.agent.desired.Drain;
import io.videolb.agent.kernel.KernelState;
import io.videolb.agent.observed.IpvsTraffic;
import io.videolb.agent.observed.IpvsTraffic.Backend;
import io.videolb.agent.observed.IpvsTraffic.BackendKey;
import io.videolb.agent.observed.IpvsTraffic.Counters;
import io.videolb.model.ClusterParams;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Address;
import io.videolb.model.Ipv4Network;
import io.videolb.model.Pool;
import io.videolb.model.RealServer;
import io.videolb.model.Scheduler;
import io.videolb.runtime.ServiceMetrics;
import io.videolb.runtime.ServiceRuntime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The traffic series on a real registry and scrape: node_exporter's names and labels plus videolb's, only videolb's
 * pools, servers that leave the kernel leave /metrics, labels follow the last run, reads bounded by the minimum age,
 * a failed read keeps the last values and is counted.
 */
class TrafficMetricsTest {
    final ServiceRuntime runtime = ServiceRuntime.create();
    final ServiceMetrics metrics = runtime.metrics("ipvs-agent");
    final AtomicReference<IpvsTraffic> kernel = new AtomicReference<>();
    final AtomicInteger reads = new AtomicInteger();
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    final TrafficMetrics traffic = new TrafficMetrics(
            () -> {
                reads.incrementAndGet();
                IpvsTraffic t = kernel.get();
                if (t == null) throw new IllegalStateException("ipvsadm -Ln --stats --exact failed: exit 1");
                return t;
            },
            metrics.registry(),
            clock::get,
            Duration.ofSeconds(1));

    @AfterEach
    void close() {
        runtime.close();
    }

    static Ipv4Address ip(String s) {
        return Ipv4Address.parse(s);
    }

    static final DesiredState STATE = new DesiredState(
            new ClusterParams(
                    ip("198.51.100.10"),
                    Ipv4Network.parse("203.0.113.0/24"),
                    List.of(),
                    60,
                    new Fwmark(50),
                    Scheduler.parse("rr")),
            new TreeMap<>(Map.of(Ipv4Network.parse("203.0.113.21/32"), new Fwmark(10))),
            new TreeMap<>(Map.of(
                    new Fwmark(10),
                    new Pool(new Fwmark(10), Scheduler.parse("rr"), List.of(new RealServer(ip("192.0.2.11"), 1))),
                    new Fwmark(50),
                    new Pool(new Fwmark(50), Scheduler.parse("rr"), List.of(new RealServer(ip("192.0.2.14"), 1))))),
            new TreeMap<>(Map.of(ip("192.0.2.11"), ip("192.0.2.21"))));

    static IpvsTraffic kernel(long rs11Conns, boolean withBackup) {
        TreeMap<BackendKey, Backend> b = new TreeMap<>();
        b.put(
                new BackendKey(new Fwmark(10), ip("192.0.2.11"), 0),
                new Backend(1, 2, 1, new Counters(rs11Conns, 21, 0, 1234, 0), new Counters(1, 5, 0, 300, 0)));
        if (withBackup)
            b.put(
                    new BackendKey(new Fwmark(10), ip("192.0.2.21"), 0),
                    new Backend(0, 1, 0, new Counters(2, 9, 0, 500, 0), new Counters(0, 0, 0, 0, 0)));
        b.put(new BackendKey(new Fwmark(99), ip("192.0.2.99"), 0), new Backend(1, 7, 7, null, null)); // not ours
        return new IpvsTraffic(
                new TreeMap<>(Map.of(new Fwmark(10), new Counters(rs11Conns + 2, 30, 0, 1734, 0))),
                new TreeMap<>(Map.of(new Fwmark(10), new Counters(1, 5, 0, 300, 0))),
                b,
                new Counters(100, 1000, 0, 50000, 0));
    }

    @Test
    void theKernelsCountersAppearWithNodeExportersLabelsAndVideolbsOnlyForVideolbsPools() {
        DesiredKernel dk = new DesiredKernel(
                KernelState.EMPTY,
                Map.of(
                        new Drain.Key(new Fwmark(10), ip("192.0.2.21")),
                        new Drain(new Fwmark(10), ip("192.0.2.21"), "failback", 0, 20_000)),
                List.of(),
                List.of(),
                List.of());
        traffic.labels(TrafficLabels.of(STATE, dk));
        kernel.set(kernel(3, true));
        metrics.beforeScrape(traffic::refresh);

        String text = metrics.scrape();
        assertThat(text)
                .contains(
                        "node_ipvs_backend_connections_total{draining=\"false\",local_address=\"\",local_mark=\"0000000A\","
                                + "local_port=\"0\",pool=\"10\",proto=\"FWM\",remote_address=\"192.0.2.11\",remote_port=\"0\","
                                + "role=\"primary\",service=\"ipvs-agent\"} 3.0")
                .contains(
                        "node_ipvs_backend_connections_active{draining=\"false\",local_address=\"\",local_mark=\"0000000A\","
                                + "local_port=\"0\",pool=\"10\",proto=\"FWM\",remote_address=\"192.0.2.11\",remote_port=\"0\","
                                + "role=\"primary\",service=\"ipvs-agent\"} 2.0")
                .contains("node_ipvs_backend_weight{draining=\"true\",local_address=\"\",local_mark=\"0000000A\","
                        + "local_port=\"0\",pool=\"10\",proto=\"FWM\",remote_address=\"192.0.2.21\",remote_port=\"0\","
                        + "role=\"backup\",service=\"ipvs-agent\"} 0.0")
                .contains("node_ipvs_backend_incoming_bytes_total{")
                .contains("node_ipvs_backend_connections_per_second{")
                .contains(
                        "node_ipvs_service_connections_total{local_address=\"\",local_mark=\"0000000A\",local_port=\"0\","
                                + "pool=\"10\",proto=\"FWM\",service=\"ipvs-agent\"} 5.0")
                .contains("node_ipvs_connections_total{service=\"ipvs-agent\"} 100.0")
                .contains("videolb_agent_traffic_reads_total{result=\"ok\",service=\"ipvs-agent\"} 1.0")
                .doesNotContain("192.0.2.99");

        // the next scrape within a second shares the read; later ones read again and follow the kernel
        metrics.scrape();
        assertThat(reads.get()).isEqualTo(1);
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        kernel.set(kernel(7, false));
        traffic.labels(TrafficLabels.of(STATE, null));
        assertThat(metrics.scrape())
                .contains(
                        "remote_address=\"192.0.2.11\",remote_port=\"0\",role=\"primary\",service=\"ipvs-agent\"} 7.0")
                .as("a server the kernel no longer has is no longer exported")
                .doesNotContain("192.0.2.21");

        // a failed read keeps the last values and is counted
        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        kernel.set(null);
        assertThat(metrics.scrape())
                .contains(
                        "remote_address=\"192.0.2.11\",remote_port=\"0\",role=\"primary\",service=\"ipvs-agent\"} 7.0")
                .contains("videolb_agent_traffic_reads_total{result=\"failed\",service=\"ipvs-agent\"} 1.0");
    }

    @Test
    void rolesAndDrainingFollowTheDesiredStateAndTheDrains() {
        TrafficLabels l = TrafficLabels.of(STATE, null);
        assertThat(l.isPool(new Fwmark(10))).isTrue();
        assertThat(l.isPool(new Fwmark(99))).isFalse();
        assertThat(l.role(new Fwmark(10), ip("192.0.2.11"))).isEqualTo("primary");
        assertThat(l.role(new Fwmark(10), ip("192.0.2.21"))).isEqualTo("backup");
        assertThat(l.role(new Fwmark(10), ip("192.0.2.14")))
                .as("configured elsewhere, draining out here")
                .isEqualTo("removed");
        assertThat(l.draining(new Fwmark(10), ip("192.0.2.11"))).isFalse();
        assertThat(TrafficMetrics.hexMark(new Fwmark(4294967295L))).isEqualTo("FFFFFFFF");
    }
}
