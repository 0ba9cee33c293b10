package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.Corpus;
import io.videolb.events.Topics;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigServiceIT {
    private static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theServiceImportsItsDirectoryAtStartAndReportsReadyUntilClosed() throws Exception {
        Topics topics = SharedBroker.uniqueTopics("service");
        ConfigService.Config config = ConfigService.Config.defaults(SharedBroker.bootstrapServers())
                .withTopics(topics).withImportDir(Corpus.valid()).withHttp("127.0.0.1", 0);
        int port;
        try (ConfigService service = new ConfigService(config)) {
            service.start();
            port = service.httpPort();
            assertThat(service.publisher().generation()).isEqualTo(1);
            assertThat(get(port, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(port, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"generation\":1");
        }
        // a second instance on the same topics finds generation 1 and the import changes nothing
        try (ConfigService again = new ConfigService(config)) {
            again.start();
            assertThat(again.publisher().generation()).isEqualTo(1);
            long t0 = System.nanoTime();
            again.close();
            again.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
        try {
            get(port, "/health");
            throw new AssertionError("the HTTP endpoint should be closed");
        } catch (java.io.IOException expected) {
            // connection refused: the server is gone
        }
    }
}
