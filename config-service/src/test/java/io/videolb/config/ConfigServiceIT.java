package io.videolb.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.csv.Corpus;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.DesiredRecords;
import io.videolb.events.DesiredSnapshot;
import io.videolb.events.Topics;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ServiceRuntime;
import io.videolb.testsupport.kafka.SharedBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigServiceIT {
    private static HttpResponse<String> get(int port, String path) throws Exception {
        HttpClient c =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return c.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theServiceImportsItsDirectoryAtStartAndReportsReadyUntilClosed() throws Exception {
        Topics topics = SharedBroker.uniqueTopics("service");
        ConfigServiceSettings config = ConfigServiceSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .importDir(Corpus.valid())
                .httpHost("127.0.0.1")
                .httpPort(0)
                .build();
        int port;
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService service = runtime.deploy(new ConfigService(config, runtime));
            port = service.httpPort();
            assertThat(service.publisher().generation()).isEqualTo(1);
            assertThat(get(port, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> ready = get(port, "/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).contains("\"generation\":1");
            HttpResponse<String> metrics = get(port, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains(
                            "videolb_config_generation{service=\"config-service\"} 1",
                            "videolb_config_start_imports_total{result=\"published\",service=\"config-service\"} 1",
                            "videolb_config_publish_seconds_count{outcome=\"published\",service=\"config-service\",source=\"import\"} 1",
                            "videolb_config_http_requests_seconds_count{method=\"GET\",route=\"/ready\",service=\"config-service\",status=\"200\"} 1",
                            "videolb_build_info{service=\"config-service\",version=\"");
        }
        // a second instance on the same topics finds generation 1 and the import changes nothing
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService again = runtime.deploy(new ConfigService(config, runtime));
            assertThat(again.publisher().generation()).isEqualTo(1);
            long t0 = System.nanoTime();
            runtime.close();
            runtime.close();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
        }
        try {
            get(port, "/health");
            throw new AssertionError("the HTTP endpoint should be closed");
        } catch (java.io.IOException expected) {
            // connection refused: the server is gone
        }
    }

    /**
     * An operator's change through the API survives a restart with the same --config folder (the files are what was
     * last imported, so they are not imported over it); once the files are edited, the restart imports them.
     */
    @Test
    void aRestartWithTheSameFilesKeepsChangesMadeThroughTheApiAndEditedFilesReplaceThem(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("csv");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Corpus.valid())) {
            for (Path f : files.toList())
                Files.copy(f, dir.resolve(f.getFileName().toString()));
        }
        Topics topics = SharedBroker.uniqueTopics("restart-keeps");
        ConfigServiceSettings config = ConfigServiceSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .importDir(dir)
                .build();
        Ipv4Network moved = Ipv4Network.parse("203.0.113.22");
        DesiredState edited;
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService first = runtime.deploy(new ConfigService(config, runtime));
            DesiredSnapshot imported = first.publisher().current().orElseThrow();
            assertThat(imported.generation()).isEqualTo(1);
            assertThat(imported.marker().importedDigest())
                    .isEqualTo(imported.marker().digest());
            // what the admin API does for PUT /api/v1/clients/203.0.113.22 {"mark":50}
            edited = imported.state().withClient(moved, new Fwmark(50));
            PublishResult r = first.publisher().publishIfGeneration(1, edited, "api:client.set", "ops");
            assertThat(r).isInstanceOf(PublishResult.Published.class);
            assertThat(first.publisher().current().orElseThrow().marker().importedDigest())
                    .as("carried forward")
                    .isEqualTo(imported.marker().digest());
        }

        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService second = runtime.deploy(new ConfigService(config, runtime));
            DesiredSnapshot kept = second.publisher().current().orElseThrow();
            assertThat(kept.generation())
                    .as("nothing imported over the API change")
                    .isEqualTo(2);
            assertThat(kept.state().clients()).containsEntry(moved, new Fwmark(50));
        }

        // the operator edits the files: the next start imports them, replacing the API change
        Files.writeString(
                dir.resolve("client-list.csv"),
                "IP,fwmark\n203.0.113.21,10\n203.0.113.22,20\n203.0.113.23,10\n",
                StandardCharsets.US_ASCII);
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService third = runtime.deploy(new ConfigService(config, runtime));
            DesiredSnapshot replaced = third.publisher().current().orElseThrow();
            assertThat(replaced.generation()).isEqualTo(3);
            assertThat(replaced.state().clients())
                    .containsEntry(moved, new Fwmark(20))
                    .containsEntry(Ipv4Network.parse("203.0.113.23"), new Fwmark(10));
            assertThat(replaced.marker().importedDigest())
                    .isEqualTo(replaced.marker().digest())
                    .isEqualTo(DesiredRecords.digest(DesiredRecords.encode(replaced.state())));
        }
    }

    /** A client-list.csv cut short between two starts: the service starts on the state it has and publishes nothing. */
    @Test
    void aTruncatedClientListAtStartIsRefusedAndTheServiceRunsOnWhatItHas(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("csv");
        Files.createDirectories(dir);
        io.videolb.model.DesiredState full = io.videolb.config.bench.StateGenerator.state(400, 0);
        for (var e : io.videolb.config.csv.CsvExport.files(full).entrySet())
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        Topics topics = SharedBroker.uniqueTopics("truncated");
        ConfigServiceSettings config = ConfigServiceSettings.builder()
                .bootstrap(SharedBroker.bootstrapServers())
                .topics(topics)
                .importDir(dir)
                .build();
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService first = runtime.deploy(new ConfigService(config, runtime));
            assertThat(first.publisher().current().orElseThrow().state().clients())
                    .hasSize(400);
        }
        String clients = Files.readString(dir.resolve("client-list.csv"));
        Files.writeString(
                dir.resolve("client-list.csv"), clients.substring(0, clients.indexOf('\n', clients.length() / 4) + 1));
        try (ServiceRuntime runtime = ServiceRuntime.create()) {
            ConfigService second = runtime.deploy(new ConfigService(config, runtime));
            DesiredSnapshot kept = second.publisher().current().orElseThrow();
            assertThat(kept.generation()).isEqualTo(1);
            assertThat(kept.state().clients()).hasSize(400);
        }
    }
}
