package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The labels of config-service's series stay bounded: templates, never raw paths or folders. */
class ConfigServiceMetricsTest {
    @Test
    void aRequestIsLabelledWithItsRouteTemplate() {
        assertThat(ConfigServiceMetrics.route("/api/v1/clients", 200)).isEqualTo("/api/v1/clients");
        assertThat(ConfigServiceMetrics.route("/api/v1/clients/203.0.113.21", 200))
                .isEqualTo("/api/v1/clients/:id");
        assertThat(ConfigServiceMetrics.route("/api/v1/clients/203.0.113.0/24", 200))
                .isEqualTo("/api/v1/clients/:id/:len");
        assertThat(ConfigServiceMetrics.route("/api/v1/export/client-list.csv", 200))
                .isEqualTo("/api/v1/export/:id");
        assertThat(ConfigServiceMetrics.route("/health", 200)).isEqualTo("/health");
        assertThat(ConfigServiceMetrics.route("/metrics", 200)).isEqualTo("/metrics");
        assertThat(ConfigServiceMetrics.route("/app.js", 200)).isEqualTo("page");
    }

    @Test
    void anythingElseIsUnmatchedWhateverItsPathOrStatus() {
        assertThat(ConfigServiceMetrics.route("/api/v1/no-such-thing", 401)).isEqualTo("unmatched");
        assertThat(ConfigServiceMetrics.route("/api/v2/clients", 404)).isEqualTo("unmatched");
        assertThat(ConfigServiceMetrics.route("/api/v1/clients/a/b/c", 404)).isEqualTo("unmatched");
        assertThat(ConfigServiceMetrics.route("/random-" + System.nanoTime(), 404))
                .isEqualTo("unmatched");
        assertThat(ConfigServiceMetrics.route(null, 400)).isEqualTo("unmatched");
    }

    @Test
    void aFileImportIsLabelledImportNotWithItsFolder() {
        assertThat(ConfigServiceMetrics.sourceKind("import:/etc/videolb/config"))
                .isEqualTo("import");
        assertThat(ConfigServiceMetrics.sourceKind("api:client.set")).isEqualTo("api:client.set");
    }
}
