package io.videolb.testsupport.kafka;

import io.videolb.kafka.embedded.EmbeddedKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * TLS files for a test broker, made with the JDK's {@code keytool} (run as a process, arguments only, no shell):
 * the broker's key and self-signed certificate ({@code CN=localhost}, SAN {@code IP:127.0.0.1}), a client truststore
 * that trusts it, and for each client name a key and self-signed certificate {@code CN=NAME} that the broker's
 * truststore trusts (for mutual TLS: the principal is {@code User:NAME}). All stores PKCS12 with one password.
 */
public final class TestTls {
    /** The stores' password (test files only). */
    public static final String PASSWORD = "test-store-pw";

    private final Path dir;
    private final Map<String, Path> clientKeystores;

    private TestTls(Path dir, Map<String, Path> clientKeystores) {
        this.dir = dir;
        this.clientKeystores = clientKeystores;
    }

    /** Makes the files in {@code dir} (about one second per keytool run). */
    public static TestTls generate(Path dir, List<String> mutualTlsClients) throws IOException {
        Files.createDirectories(dir);
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        // three rounds (make keys, export certificates, import them), the runs of one round in parallel
        List<List<String>> make = new ArrayList<>();
        List<List<String>> export = new ArrayList<>();
        List<List<String>> trust = new ArrayList<>();
        make.add(List.of(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                "broker.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD,
                "-keypass",
                PASSWORD));
        export.add(List.of(
                "-exportcert",
                "-rfc",
                "-alias",
                "broker",
                "-keystore",
                "broker.p12",
                "-storepass",
                PASSWORD,
                "-file",
                "broker.crt"));
        trust.add(List.of(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                "broker.crt",
                "-keystore",
                "client-truststore.p12",
                "-storetype",
                "PKCS12",
                "-storepass",
                PASSWORD));
        Map<String, Path> clients = new LinkedHashMap<>();
        List<String> brokerTrust = new ArrayList<>();
        for (String name : mutualTlsClients) {
            if (!name.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("client name " + name);
            String ks = "client-" + name + ".p12";
            make.add(List.of(
                    "-genkeypair",
                    "-alias",
                    name,
                    "-keyalg",
                    "EC",
                    "-groupname",
                    "secp256r1",
                    "-dname",
                    "CN=" + name,
                    "-validity",
                    "2",
                    "-keystore",
                    ks,
                    "-storetype",
                    "PKCS12",
                    "-storepass",
                    PASSWORD,
                    "-keypass",
                    PASSWORD));
            export.add(List.of(
                    "-exportcert",
                    "-rfc",
                    "-alias",
                    name,
                    "-keystore",
                    ks,
                    "-storepass",
                    PASSWORD,
                    "-file",
                    name + ".crt"));
            brokerTrust.add(name);
            clients.put(name, dir.resolve(ks));
        }
        keytool(keytool, dir, make);
        keytool(keytool, dir, export);
        keytool(keytool, dir, trust);
        for (String name : brokerTrust) // one truststore file: these run one after the other
        keytool(
                    keytool,
                    dir,
                    List.of(List.of(
                            "-importcert",
                            "-noprompt",
                            "-alias",
                            name,
                            "-file",
                            name + ".crt",
                            "-keystore",
                            "broker-truststore.p12",
                            "-storetype",
                            "PKCS12",
                            "-storepass",
                            PASSWORD)));
        if (mutualTlsClients.isEmpty()) // the broker needs a truststore file even when it trusts no client
        Files.copy(dir.resolve("client-truststore.p12"), dir.resolve("broker-truststore.p12"));
        return new TestTls(dir, clients);
    }

    /** Runs the keytool commands {@code runs} at once and waits for all (each bounded to 60 s). */
    private static void keytool(Path keytool, Path dir, List<List<String>> runs) throws IOException {
        List<Process> started = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (List<String> args : runs) {
                List<String> cmd = new ArrayList<>();
                cmd.add(keytool.toString());
                cmd.addAll(args);
                Path log = dir.resolve("keytool-" + started.size() + ".log");
                logs.add(log);
                started.add(new ProcessBuilder(cmd)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start());
            }
            for (int i = 0; i < started.size(); i++) {
                Process p = started.get(i);
                if (!p.waitFor(60, TimeUnit.SECONDS))
                    throw new IOException("keytool " + runs.get(i).get(0) + " did not finish within 60 s");
                if (p.exitValue() != 0)
                    throw new IOException("keytool " + String.join(" ", runs.get(i)) + " failed (exit " + p.exitValue()
                            + "): " + Files.readString(logs.get(i), StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            started.forEach(p -> {
                if (p.isAlive()) p.destroyForcibly();
            });
        }
    }

    /** The broker side, for {@link EmbeddedKafkaBroker.Builder#authentication}. */
    public EmbeddedKafkaBroker.Tls broker() {
        return new EmbeddedKafkaBroker.Tls(
                dir.resolve("broker.p12"), PASSWORD, dir.resolve("broker-truststore.p12"), PASSWORD);
    }

    /** The client truststore (trusts the broker's certificate). */
    public Path clientTruststore() {
        return dir.resolve("client-truststore.p12");
    }

    /** The keystore of a mutual-TLS client given to {@link #generate}. */
    public Path clientKeystore(String name) {
        Path p = clientKeystores.get(name);
        if (p == null) throw new IllegalArgumentException("no client " + name);
        return p;
    }

    /** Client property lines that trust the broker (for a SASL_SSL or SSL properties file). */
    public List<String> truststoreLines() {
        return List.of(
                "ssl.truststore.type=PKCS12",
                "ssl.truststore.location=" + clientTruststore(),
                "ssl.truststore.password=" + PASSWORD);
    }
}
