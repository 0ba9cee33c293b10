package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.config.bench.StateGenerator;
import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.config.csv.CsvExport;
import io.videolb.json.Json;
import io.videolb.model.DesiredState;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A file import that would remove most client entries is refused through the API and the CLI, unless forced. */
class MassRemovalGuardIT {
    @Test
    void aTruncatedClientListIsRefusedUntilForced() throws Exception {
        try (ApiFixture fx = new ApiFixture("mass-removal")) {
            DesiredState full = StateGenerator.state(300, 0);
            List<Ipv4Network> keys = new ArrayList<>(full.clients().keySet());
            DesiredState truncated = full;
            for (Ipv4Network k : keys.subList(60, 300)) truncated = truncated.withClient(k, null); // 240 of 300 gone

            AdminClient.Response first =
                    fx.admin.send("POST", "/api/v1/import", ApiFixture.filesBody(CsvExport.files(full)), "\"0\"");
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            long g = fx.store.generation();

            // the API: 422 (the state is well-formed but refused) naming "force", nothing published; the plan says the
            // same
            String body = ApiFixture.filesBody(CsvExport.files(truncated));
            AdminClient.Response refused = fx.admin.send("POST", "/api/v1/import", body, "\"" + g + "\"");
            assertThat(refused.status()).as(refused.body()).isEqualTo(422);
            JsonNode problem =
                    Json.MAPPER.readTree(refused.body()).path("problems").get(0);
            assertThat(problem.path("field").asText()).isEqualTo("force");
            assertThat(problem.path("message").asText())
                    .startsWith("the import would remove 240 of the 300 client entries (80 %");
            assertThat(fx.store.generation()).isEqualTo(g);
            assertThat(fx.admin.send("POST", "/api/v1/plan", body, null).status())
                    .isEqualTo(422);
            AdminClient.Response badForce = fx.admin.send(
                    "POST", "/api/v1/import", body.replaceFirst("\\{", "{\"force\":\"yes\","), "\"" + g + "\"");
            assertThat(badForce.status()).isEqualTo(400);
            assertThat(badForce.body()).contains("\"field\":\"force\"");
            assertThat(fx.store.generation()).isEqualTo(g);

            // the CLI through the API: refused (exit 1, the reason printed), then --force
            Path dir = Files.createTempDirectory(fx.dir, "truncated");
            for (Map.Entry<String, String> e : CsvExport.files(truncated).entrySet())
                Files.writeString(dir.resolve(e.getKey()), e.getValue());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CliVerbs cli = new CliVerbs(
                    fx.admin,
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(cli.importDir(dir)).isEqualTo(ExitCode.FAILED);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("force").contains("240 of the 300");
            assertThat(fx.store.generation()).isEqualTo(g);
            assertThat(cli.importDir(dir, true)).isEqualTo(ExitCode.OK);
            assertThat(fx.store.generation()).isEqualTo(g + 1);
            assertThat(fx.store.current().orElseThrow().state().clients()).hasSize(60);
        }
    }
}
