package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.PemTrustOptions;
import io.videolb.config.client.AdminClient;
import io.videolb.config.client.CliVerbs;
import io.videolb.config.csv.ConfigReaderCsvFiles;
import io.videolb.json.Json;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import io.videolb.runtime.ExitCode;
import io.videolb.runtime.settings.SettingsReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API with TLS (PEM certificate and key, as an operator configures it with
 * VIDEOLB_API_TLS_CERT / _KEY): a throwaway self-signed certificate for 127.0.0.1 is made with
 * openssl at test time. Clients that trust it (JDK, Vert.x, the CLI with VIDEOLB_API_CA) get
 * answers; clients that do not, clients checking another host name, and plain HTTP get none.
 */
class TlsIT {
    static Path dir;
    static Path cert;
    static Path key;
    static ApiFixture fx;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("videolb-tls-it");
        cert = dir.resolve("api-cert.pem");
        key = dir.resolve("api-key.pem");
        selfSigned(cert, key, "subjectAltName=IP:127.0.0.1");
        fx = new ApiFixture("tls", AdminApiSettings.DEFAULT_BODY_LIMIT, cert, key);
        fx.importExample();
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) fx.close();
    }

    /** {@code openssl req -x509} with an argument list and a bounded wait; fails the test with openssl's output if it fails. */
    static void selfSigned(Path certOut, Path keyOut, String san) throws Exception {
        List<String> cmd = List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-sha256",
                "-days",
                "2",
                "-subj",
                "/CN=videolb-test",
                "-addext",
                san,
                "-keyout",
                keyOut.toString(),
                "-out",
                certOut.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("TlsIT needs openssl on the PATH (Debian package openssl): " + e.getMessage(), e);
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(64 * 1024);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("openssl req did not finish within 60 s");
        }
        if (p.exitValue() != 0)
            throw new AssertionError("openssl req failed: " + new String(out, StandardCharsets.UTF_8));
        assertThat(Files.readString(certOut)).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(Files.readString(keyOut)).contains("PRIVATE KEY-----");
    }

    static HttpRequest whoami(String scheme) {
        return HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + fx.server.port() + "/api/v1/whoami"))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + fx.adminToken)
                .build();
    }

    @Test
    void aJdkClientTrustingTheCaGetsAnswersOverTls() throws Exception {
        HttpClient c = HttpClient.newBuilder()
                .sslContext(AdminClient.trusting(cert))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> r = c.send(whoami("https"), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(r.body()).path("role").asText()).isEqualTo("admin");
        assertThat(r.sslSession()).isPresent();
        assertThat(r.sslSession().get().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
        // the server presents exactly the configured certificate
        Certificate served = r.sslSession().get().getPeerCertificates()[0];
        try (InputStream in = Files.newInputStream(cert)) {
            assertThat(served).isEqualTo(CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
    }

    @Test
    void aVertxClientTrustingTheCaGetsAnswersAndOneTrustingNothingIsRefused() throws Exception {
        HttpClientAgent trusting = fx.vertx.createHttpClient(new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(cert.toString()))
                .setConnectTimeout(10_000));
        HttpClientAgent untrusting = fx.vertx.createHttpClient(
                new HttpClientOptions().setSsl(true).setVerifyHost(true).setConnectTimeout(10_000));
        try {
            assertThat(vertxGet(trusting).get(30, TimeUnit.SECONDS))
                    .startsWith("200 ")
                    .contains("\"role\":\"admin\"");
            Throwable failure = null;
            try {
                vertxGet(untrusting).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                failure = e.getCause();
            }
            assertThat(failure).as("a client not trusting the CA must fail").isNotNull();
            assertThat(chain(failure)).anyMatch(t -> t instanceof SSLHandshakeException);
        } finally {
            trusting.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            untrusting.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static List<Throwable> chain(Throwable t) {
        List<Throwable> out = new ArrayList<>();
        for (Throwable c = t; c != null && out.size() < 20; c = c.getCause()) out.add(c);
        return out;
    }

    private static java.util.concurrent.CompletableFuture<String> vertxGet(HttpClientAgent client) {
        Future<String> f = client.request(HttpMethod.GET, fx.server.port(), "127.0.0.1", "/api/v1/whoami")
                .compose(req -> req.putHeader("Authorization", "Bearer " + fx.adminToken)
                        .send())
                .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b.toString()));
        return f.toCompletionStage().toCompletableFuture();
    }

    @Test
    void aJdkClientNotTrustingTheCaFailsTheHandshake() {
        HttpClient c =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        assertThatThrownBy(() -> c.send(whoami("https"), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void plainHttpToTheTlsPortGetsNoHttpAnswer() {
        HttpClient c =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        // the TLS port answers a plaintext request with a TLS alert or a closed connection, never an HTTP response
        assertThatThrownBy(() -> c.send(whoami("http"), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliVerbs cli = new CliVerbs(
                new AdminClient(
                        URI.create("http://127.0.0.1:" + fx.server.port()),
                        fx.adminToken,
                        Duration.ofSeconds(10),
                        null),
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err));
        assertThat(cli.status()).isEqualTo(ExitCode.API_UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the admin API");
    }

    @Test
    void theCliWithVideolbApiCaReadsAndWritesOverTls() throws Exception {
        String url = "https://127.0.0.1:" + fx.server.port();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AdminClient client = AdminClient.fromEnv(
                Map.of("VIDEOLB_API", url, "VIDEOLB_TOKEN", fx.adminToken, "VIDEOLB_API_CA", cert.toString()), null);
        CliVerbs cli = new CliVerbs(
                client,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        long before = fx.store.generation();
        assertThat(cli.status()).as("status, stderr: %s", err).isEqualTo(ExitCode.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("desired generation " + before);
        assertThat(cli.clientSet("203.0.113.99", "20"))
                .as("client set, stderr: %s", err)
                .isEqualTo(ExitCode.OK);
        assertThat(fx.store.generation()).isEqualTo(before + 1);
        assertThat(fx.store.current().orElseThrow().state().clients())
                .containsEntry(Ipv4Network.parse("203.0.113.99"), Fwmark.parse("20"));
        assertThat(cli.clientRm("203.0.113.99")).isEqualTo(ExitCode.OK);
    }

    @Test
    void theCliWithoutTheCaIsRefusedAndChangesNothing() throws Exception {
        String url = "https://127.0.0.1:" + fx.server.port();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AdminClient client = AdminClient.fromEnv(Map.of("VIDEOLB_API", url, "VIDEOLB_TOKEN", fx.adminToken), null);
        CliVerbs cli = new CliVerbs(
                client,
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        long before = fx.store.generation();
        assertThat(cli.clientSet("203.0.113.98", "20")).isEqualTo(ExitCode.API_UNAVAILABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the admin API");
        assertThat(fx.store.generation()).isEqualTo(before);
    }

    @Test
    void aCertificateForAnotherHostIsRefusedEvenWhenTrusted() throws Exception {
        Path otherCert = dir.resolve("other-cert.pem");
        Path otherKey = dir.resolve("other-key.pem");
        selfSigned(otherCert, otherKey, "subjectAltName=DNS:director.invalid");
        AdminHttpServer other = new AdminHttpServer(
                        fx.vertx,
                        AdminApiSettings.builder(fx.dir.resolve("tokens"))
                                .port(0)
                                .tls(otherCert, otherKey)
                                .build(),
                        fx.store,
                        new ConfigReaderCsvFiles(),
                        fx.view,
                        null)
                .start();
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            AdminClient client = AdminClient.fromEnv(
                    Map.of(
                            "VIDEOLB_API",
                            "https://127.0.0.1:" + other.port(),
                            "VIDEOLB_TOKEN",
                            fx.adminToken,
                            "VIDEOLB_API_CA",
                            otherCert.toString()),
                    null);
            CliVerbs cli = new CliVerbs(
                    client,
                    new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(cli.status()).isEqualTo(ExitCode.API_UNAVAILABLE);
            assertThat(err.toString(StandardCharsets.UTF_8)).containsIgnoringCase("127.0.0.1");
        } finally {
            other.close();
        }
    }

    @Test
    void theTlsSettingsFromTheEnvironmentDefaultToPort8443AndRefuseHalfAPair() {
        Map<String, String> env = Map.of(
                "VIDEOLB_API_TOKENS",
                fx.dir.resolve("tokens").toString(),
                "VIDEOLB_API_TLS_CERT",
                cert.toString(),
                "VIDEOLB_API_TLS_KEY",
                key.toString());
        AdminApiSettings c = AdminApiSettings.read(
                        SettingsReader.builder().environment(env).build())
                .orElseThrow();
        assertThat(c.tls()).isTrue();
        assertThat(c.port()).isEqualTo(8443);
        assertThatThrownBy(() -> AdminApiSettings.read(SettingsReader.builder()
                        .environment(Map.of("VIDEOLB_API_TOKENS", "t", "VIDEOLB_API_TLS_CERT", cert.toString()))
                        .build()))
                .hasMessageContaining("TLS needs both");
        AdminHttpServer missing = new AdminHttpServer(
                fx.vertx,
                AdminApiSettings.builder(fx.dir.resolve("tokens"))
                        .port(0)
                        .tls(dir.resolve("absent-cert.pem"), key)
                        .build(),
                fx.store,
                new ConfigReaderCsvFiles(),
                fx.view,
                null);
        assertThatThrownBy(missing::start).hasMessageContaining("absent-cert.pem");
        missing.close();
    }

    @Test
    void everyAnswerOverTlsCarriesHstsAndPlainHttpDoesNot() throws Exception {
        HttpClient c = HttpClient.newBuilder()
                .sslContext(AdminClient.trusting(cert))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        for (String path : new String[] {"/api/v1/whoami", "/", "/health", "/api/v1/no-such"}) {
            HttpResponse<String> r = c.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + fx.server.port() + path))
                            .header("Authorization", "Bearer " + fx.adminToken)
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.headers().firstValue("Strict-Transport-Security"))
                    .as(path)
                    .hasValue("max-age=31536000");
        }
        try (ApiFixture plain = new ApiFixture("tls-plain")) {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(plain.base + "/api/v1/whoami"))
                                    .header("Authorization", "Bearer " + plain.adminToken)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Strict-Transport-Security")).isEmpty();
        }
    }

    @Test
    void aNonLoopbackAddressNeedsTlsOrTheExplicitInsecureFlag() {
        Path tokens = fx.dir.resolve("tokens");
        for (String host : new String[] {"0.0.0.0", "198.51.100.10", "::"}) {
            assertThatThrownBy(() -> AdminApiSettings.builder(tokens).host(host).build())
                    .as(host)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("VIDEOLB_API_HOST=" + host)
                    .hasMessageContaining("VIDEOLB_API_INSECURE_HTTP=true");
            assertThat(AdminApiSettings.builder(tokens)
                            .host(host)
                            .tls(cert, key)
                            .build()
                            .exposedWithoutTls())
                    .isFalse();
            assertThat(AdminApiSettings.builder(tokens)
                            .host(host)
                            .insecureHttp(true)
                            .build()
                            .exposedWithoutTls())
                    .as("allowed, and then warned at every start")
                    .isTrue();
        }
        for (String host : new String[] {"127.0.0.1", "127.0.0.53", "::1", "localhost"}) {
            assertThat(AdminApiSettings.builder(tokens).host(host).build().exposedWithoutTls())
                    .as(host)
                    .isFalse();
        }
        // the same through the settings reader, as config-service reads them
        assertThatThrownBy(() -> AdminApiSettings.read(SettingsReader.builder()
                        .environment(Map.of("VIDEOLB_API_TOKENS", tokens.toString(), "VIDEOLB_API_HOST", "0.0.0.0"))
                        .build()))
                .hasMessageContaining("VIDEOLB_API_HOST=0.0.0.0 is not a loopback address");
        assertThat(AdminApiSettings.read(SettingsReader.builder()
                                .environment(Map.of(
                                        "VIDEOLB_API_TOKENS",
                                        tokens.toString(),
                                        "VIDEOLB_API_HOST",
                                        "0.0.0.0",
                                        "VIDEOLB_API_INSECURE_HTTP",
                                        "true"))
                                .build())
                        .orElseThrow()
                        .insecureHttp())
                .isTrue();
    }
}
