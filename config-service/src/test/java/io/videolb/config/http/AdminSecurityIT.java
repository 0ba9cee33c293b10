package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.config.auth.Role;
import io.videolb.config.auth.TokenFile;
import io.videolb.config.csv.CsvFiles;
import io.videolb.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The admin API's locks against a hostile network peer, over real HTTP on the shared embedded broker: failed
 * authentication rate-limited per source address (429 + Retry-After), every 401/403/429 in the access audit without
 * the token, a token removed from the file refused without a restart (on change and on SIGHUP), a broken token file
 * refusing everyone, and a read token's plan limited to the small body.
 */
class AdminSecurityIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    HttpResponse<String> call(ApiFixture fx, String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(URI.create(fx.base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) b.header("Content-Type", "application/json");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code GET /whoami} with {@code token} (every 100 ms, at most {@link #WAIT}) until it answers {@code status}. */
    long waitForStatus(ApiFixture fx, String token, int status) throws Exception {
        long t0 = System.nanoTime();
        int last = -1;
        while (System.nanoTime() - t0 < WAIT.toNanos()) {
            last = call(fx, "GET", "/api/v1/whoami", token, null).statusCode();
            if (last == status) return (System.nanoTime() - t0) / 1_000_000;
            Thread.sleep(100);
        }
        throw new AssertionError("whoami still answers " + last + " after " + WAIT.toSeconds() + " s, want " + status);
    }

    @Test
    void failedAuthenticationIsLimitedPerAddressAndEveryRefusalIsAuditedWithoutTheToken() throws Exception {
        String guessed = "guess-" + UUID.randomUUID();
        try (ApiFixture fx = new ApiFixture(
                "authlimit",
                AdminApiSettings.DEFAULT_BODY_LIMIT,
                null,
                null,
                b -> b.authFailures(3, Duration.ofSeconds(4)))) {
            // a read token writing: 403 (not a failed authentication)
            HttpResponse<String> forbidden = call(fx, "DELETE", "/api/v1/pools/10", fx.readToken, null);
            assertThat(forbidden.statusCode()).isEqualTo(403);
            for (int i = 0; i < 3; i++) {
                assertThat(call(fx, "GET", "/api/v1/state", guessed, null).statusCode())
                        .isEqualTo(401);
            }
            HttpResponse<String> limited = call(fx, "GET", "/api/v1/whoami", fx.adminToken, null);
            assertThat(limited.statusCode())
                    .as("the fourth try from the address is refused, even with a good token")
                    .isEqualTo(429);
            long retry =
                    Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retry).isBetween(1L, 4L);
            assertThat(Json.MAPPER.readTree(limited.body()).path("error").asText())
                    .isEqualTo("too_many_failures");
            long waited = waitForStatus(fx, fx.adminToken, 200);
            assertThat(waited).isLessThan(WAIT.toMillis());

            HttpResponse<String> audit = call(fx, "GET", "/api/v1/audit/access?limit=100", fx.adminToken, null);
            assertThat(audit.statusCode()).isEqualTo(200);
            assertThat(audit.body()).doesNotContain(guessed).doesNotContain(fx.adminToken);
            JsonNode entries = Json.MAPPER.readTree(audit.body());
            Map<String, Integer> byStatusReason = new LinkedHashMap<>();
            for (JsonNode e : entries) {
                byStatusReason.merge(
                        e.path("status").asInt() + " " + e.path("reason").asText(), 1, Integer::sum);
                assertThat(e.path("source").asText()).isEqualTo("127.0.0.1");
            }
            assertThat(byStatusReason).containsEntry("401 invalid_token", 3).containsEntry("403 forbidden", 1);
            assertThat(byStatusReason.getOrDefault("429 too_many_failures", 0)).isGreaterThanOrEqualTo(1);
            JsonNode denied403 = null;
            for (JsonNode e : entries) if (e.path("status").asInt() == 403) denied403 = e;
            assertThat(denied403.path("principal").asText()).isEqualTo("viewer");
            assertThat(denied403.path("method").asText()).isEqualTo("DELETE");
            assertThat(denied403.path("path").asText()).isEqualTo("/api/v1/pools/10");
            // the access audit itself is for admins
            assertThat(call(fx, "GET", "/api/v1/audit/access", fx.readToken, null)
                            .statusCode())
                    .isEqualTo(403);
        }
    }

    @Test
    void aTokenRemovedFromTheFileStopsWorkingWithoutARestart() throws Exception {
        try (ApiFixture fx = new ApiFixture(
                "revoke",
                AdminApiSettings.DEFAULT_BODY_LIMIT,
                null,
                null,
                b -> b.authFailures(1000, Duration.ofSeconds(60)))) {
            Path tokens = fx.dir.resolve("tokens");
            assertThat(call(fx, "GET", "/api/v1/whoami", fx.adminToken, null).statusCode())
                    .isEqualTo(200);
            String newToken = "new-" + UUID.randomUUID();
            Path next = fx.dir.resolve("tokens.next");
            Files.writeString(
                    next,
                    TokenFile.line("ops2", Role.ADMIN, newToken) + "\n"
                            + TokenFile.line("viewer", Role.READ, fx.readToken) + "\n");
            Files.move(
                    next,
                    tokens,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long ms = waitForStatus(fx, fx.adminToken, 401);
            System.out.println("revoked admin token refused " + ms + " ms after the file was replaced");
            assertThat(call(fx, "GET", "/api/v1/whoami", newToken, null).statusCode())
                    .isEqualTo(200);
            assertThat(call(fx, "GET", "/api/v1/whoami", fx.readToken, null).statusCode())
                    .isEqualTo(200);

            // a broken file refuses everyone (a revocation with a typo never keeps the old tokens), a fixed one works
            // again
            Files.writeString(tokens, "ops2:admin:not-a-hash\n");
            waitForStatus(fx, newToken, 401);
            assertThat(call(fx, "GET", "/api/v1/whoami", fx.readToken, null).statusCode())
                    .isEqualTo(401);
            Files.writeString(tokens, TokenFile.line("ops2", Role.ADMIN, newToken) + "\n");
            waitForStatus(fx, newToken, 200);
        }
    }

    @Test
    void sighupReReadsTheTokenFileEvenWhenItsStampDidNotChange() throws Exception {
        try (ApiFixture fx = new ApiFixture(
                "sighup",
                AdminApiSettings.DEFAULT_BODY_LIMIT,
                null,
                null,
                b -> b.authFailures(1000, Duration.ofSeconds(60)))) {
            Path tokens = fx.dir.resolve("tokens");
            String before = Files.readString(tokens);
            FileTime mtime = Files.getLastModifiedTime(tokens);
            // the same length, in place, the old modification time: the change detection cannot see it
            String viewerLine = TokenFile.line("viewer", Role.READ, fx.readToken);
            String otherLine = TokenFile.line("viewer", Role.READ, "someone-else-" + UUID.randomUUID());
            String after = before.replace(viewerLine, otherLine);
            assertThat(after).hasSameSizeAs(before).isNotEqualTo(before);
            Files.write(tokens, after.getBytes(StandardCharsets.UTF_8), StandardOpenOption.TRUNCATE_EXISTING);
            Files.setLastModifiedTime(tokens, mtime);
            assertThat(SighupHandler.ignored())
                    .as("this JVM inherited SIGHUP as ignored (run under nohup?): no handler can run, so the signal"
                            + " cannot be tested here; run the tests without nohup")
                    .isFalse();
            Thread.sleep(3 * AdminHttpServer.TOKEN_CHECK_MS);
            assertThat(call(fx, "GET", "/api/v1/whoami", fx.readToken, null).statusCode())
                    .as("not seen without the signal")
                    .isEqualTo(200);
            Process kill = new ProcessBuilder(
                            "kill",
                            "-HUP",
                            Long.toString(ProcessHandle.current().pid()))
                    .inheritIO()
                    .start();
            assertThat(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            waitForStatus(fx, fx.readToken, 401);
            assertThat(call(fx, "GET", "/api/v1/whoami", fx.adminToken, null).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void aReadTokensPlanGetsTheSmallBodyLimitAnAdminsTheImportLimit() throws Exception {
        try (ApiFixture fx = new ApiFixture("planlimit")) {
            fx.importExample();
            StringBuilder clients = new StringBuilder("IP,fwmark\n");
            for (int i = 0; clients.length() < 2 * AdminApiSettings.DEFAULT_BODY_LIMIT; i++) {
                clients.append("10.")
                        .append(i / 65536 % 256)
                        .append('.')
                        .append(i / 256 % 256)
                        .append('.')
                        .append(i % 256)
                        .append(",10\n");
            }
            Map<String, String> files = new LinkedHashMap<>(ApiFixture.EXAMPLE);
            files.put(CsvFiles.CLIENTS, clients.toString());
            String big = ApiFixture.filesBody(files);
            HttpResponse<String> asReader = call(fx, "POST", "/api/v1/plan", fx.readToken, big);
            assertThat(asReader.statusCode()).isEqualTo(413);
            assertThat(asReader.body()).contains("larger than the limit of " + AdminApiSettings.DEFAULT_BODY_LIMIT);
            HttpResponse<String> asAdmin = call(fx, "POST", "/api/v1/plan", fx.adminToken, big);
            assertThat(asAdmin.statusCode()).as(asAdmin.body()).isIn(200, 422);
            // a small plan stays open to read tokens
            HttpResponse<String> small =
                    call(fx, "POST", "/api/v1/plan", fx.readToken, ApiFixture.filesBody(ApiFixture.EXAMPLE));
            assertThat(small.statusCode()).as(small.body()).isEqualTo(200);
            // and a read token cannot make the server buffer an import either
            HttpResponse<String> imp = call(fx, "POST", "/api/v1/import", fx.readToken, big);
            assertThat(imp.statusCode()).isIn(403, 413);
        }
    }
}
