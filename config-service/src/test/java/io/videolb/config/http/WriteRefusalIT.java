package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** While the store says the cluster cannot take writes, a write is answered 503 at once with Retry-After and the reason. */
class WriteRefusalIT {

    @Test
    void aWriteDuringAnOutageIs503WithRetryAfterAndReasonAndChangesNothing() throws Exception {
        try (ApiFixture fx = new ApiFixture("refusal")) {
            long g = fx.importExample();
            fx.outage = "partition x.desired-0 is under min.insync.replicas (1 reachable in sync < 2)";
            HttpClient c = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            HttpRequest put = HttpRequest.newBuilder(URI.create(fx.base + "/api/v1/clients/203.0.113.77"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + fx.adminToken)
                    .header("If-Match", "\"" + g + "\"")
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"mark\":20}"))
                    .build();
            long t0 = System.nanoTime();
            HttpResponse<String> r = c.send(put, HttpResponse.BodyHandlers.ofString());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(ms).as("answered at once").isLessThan(2000);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(r.body()).contains("cannot take writes", "under min.insync.replicas");
            assertThat(fx.store.generation()).isEqualTo(g);
            assertThat(fx.store.current().orElseThrow().state().clients()).hasSize(3);

            fx.outage = null;
            HttpResponse<String> ok = c.send(put, HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(fx.store.generation()).isEqualTo(g + 1);
        }
    }
}
