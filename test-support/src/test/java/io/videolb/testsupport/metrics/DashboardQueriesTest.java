package io.videolb.testsupport.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The PromQL name extraction, and that a misspelt metric in a dashboard is reported against a scrape. */
class DashboardQueriesTest {
    static final String SCRAPE = """
            # HELP node_ipvs_backend_connections_active The current active connections by local and remote address.
            # TYPE node_ipvs_backend_connections_active gauge
            node_ipvs_backend_connections_active{pool="10",remote_address="192.0.2.11",service="ipvs-agent"} 3.0
            # TYPE videolb_agent_reconcile_duration_seconds histogram
            videolb_agent_reconcile_duration_seconds_bucket{le="0.001",service="ipvs-agent"} 0
            videolb_agent_reconcile_duration_seconds_count{service="ipvs-agent"} 4
            videolb_build_info{service="ipvs-agent",version="0.1.0"} 1
            """;

    @Test
    void namesAreTheMetricsNotFunctionsLabelsKeywordsDurationsOrVariables() {
        assertThat(
                        DashboardQueries.metricNames(
                                "histogram_quantile(0.99, sum by (le, instance) (rate(videolb_agent_reconcile_duration_seconds_bucket{route=~\"/api/.*\"}[$__rate_interval])))"))
                .containsExactly("videolb_agent_reconcile_duration_seconds_bucket");
        assertThat(
                        DashboardQueries.metricNames(
                                "max by (server) (videolb_health_server_verdict{verdict=\"up\"}) - max by (server) (videolb_health_server_verdict{verdict=\"down\"})"))
                .containsExactly("videolb_health_server_verdict");
        assertThat(
                        DashboardQueries.metricNames(
                                "8 * sum by (pool) (rate(node_ipvs_backend_incoming_bytes_total{service=\"ipvs-agent\",pool=~\"$pool\"}[5m] offset 1h)) / on (pool) group_left (x) up or vector(0)"))
                .containsExactly("node_ipvs_backend_incoming_bytes_total", "up");
        assertThat(DashboardQueries.metricNames("label_values(node_ipvs_backend_weight{service=\"ipvs-agent\"}, pool)"))
                .containsExactly("node_ipvs_backend_weight");
        assertThat(DashboardQueries.metricNames("sum(a:recorded:rate5m) by (job) > bool 1e3"))
                .containsExactly("a:recorded:rate5m");
    }

    @Test
    void aMisspeltMetricIsReportedWithItsPanelAndAGoodOneIsNot() {
        String dashboard = """
                {"panels": [
                  {"type": "timeseries", "title": "Viewers per pool",
                   "targets": [{"expr": "sum by (pool) (node_ipvs_backend_conections_active{service=\\"ipvs-agent\\"})"}]},
                  {"type": "timeseries", "title": "Reconcile latency",
                   "targets": [{"expr": "histogram_quantile(0.99, sum by (le) (rate(videolb_agent_reconcile_duration_seconds_bucket[5m])))"}]}
                ]}""";
        Set<String> exposed = DashboardQueries.exposedNames(SCRAPE);
        assertThat(exposed)
                .contains(
                        "node_ipvs_backend_connections_active",
                        "videolb_agent_reconcile_duration_seconds_bucket",
                        "videolb_build_info");
        assertThat(DashboardQueries.missing(dashboard, exposed, null))
                .singleElement()
                .asString()
                .startsWith("panel 'Viewers per pool': node_ipvs_backend_conections_active");
        assertThat(DashboardQueries.missing(dashboard.replace("conections", "connections"), exposed, null))
                .isEmpty();
    }

    @Test
    void theRepositorysDashboardHasQueriesAndEachNamesAMetric() throws Exception {
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("deploy/grafana/videolb.json"))) dir = dir.getParent();
        assertThat(dir)
                .as("deploy/grafana/videolb.json above the working directory")
                .isNotNull();
        var queries = DashboardQueries.queries(Files.readString(dir.resolve("deploy/grafana/videolb.json")));
        assertThat(queries).hasSizeGreaterThan(20);
        assertThat(queries)
                .allSatisfy(q -> assertThat(DashboardQueries.metricNames(q.expr()))
                        .as(q.where() + ": " + q.expr())
                        .isNotEmpty()
                        .allMatch(n -> n.startsWith("videolb_") || n.startsWith("node_ipvs_")));
    }
}
