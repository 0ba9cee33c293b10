package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JVM options both launchers give each subcommand (decision 122): {@code ./videolb} and the package's
 * {@code /usr/bin/videolb} (packaging/debian/videolb.sh), run as the real scripts with a stand-in {@code java} that
 * prints its arguments. The heaps are the ones docs/videolb-app.md ("Memory at 100,000 clients") measured; the
 * compose file gives each service the same options (JAVA_TOOL_OPTIONS: its image runs java directly).
 */
class LauncherJavaOptsTest {
    static final Path REPO = ComposeFileTest.REPO;
    static final String BASE = "-XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError";
    static final Map<String, String> EXPECTED = Map.of(
            "standalone", BASE + " -XX:+UseG1GC -Xmx256m",
            "config-service", BASE + " -XX:+UseSerialGC -Xmx96m",
            "agent", BASE + " -XX:+UseSerialGC -Xmx96m",
            "health", BASE + " -XX:+UseSerialGC -Xmx64m",
            "alert", BASE + " -XX:+UseSerialGC -Xmx64m",
            "validate", BASE + " -XX:+UseSerialGC",
            "status", BASE + " -XX:+UseSerialGC");

    @TempDir
    Path tmp;

    private Path bin;
    private Path checkout;

    @BeforeEach
    void standIns() throws IOException {
        bin = Files.createDirectories(tmp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"java $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        // ./videolb runs the jar next to it (and builds it when missing): a copy beside an empty stand-in jar
        checkout = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(REPO.resolve("videolb"), checkout.resolve("videolb"));
        Files.createDirectories(checkout.resolve("videolb-app/target"));
        Files.writeString(checkout.resolve("videolb-app/target/videolb.jar"), "");
    }

    private String run(Map<String, String> env, String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_") || k.equals("JAVA_HOME"));
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private String repoLauncher(Map<String, String> env, String sub) throws Exception {
        return run(env, "bash", checkout.resolve("videolb").toString(), sub, "--x");
    }

    private String packageLauncher(Map<String, String> env, String sub) throws Exception {
        return run(env, "sh", REPO.resolve("packaging/debian/videolb.sh").toString(), sub, "--x");
    }

    @Test
    void eachServiceGetsItsHeapFromBothLaunchers() throws Exception {
        for (var e : EXPECTED.entrySet()) {
            String sub = e.getKey();
            assertThat(repoLauncher(Map.of(), sub))
                    .isEqualTo("java " + e.getValue() + " -jar " + checkout.resolve("videolb-app/target/videolb.jar")
                            + " " + sub + " --x");
            assertThat(packageLauncher(Map.of(), sub))
                    .isEqualTo("java " + e.getValue() + " -jar /usr/share/videolb/videolb.jar " + sub + " --x");
        }
    }

    @Test
    void videolbJavaOptsReplacesTheDefaultsEvenWhenEmpty() throws Exception {
        for (String sub : List.of("agent", "standalone", "validate")) {
            assertThat(repoLauncher(Map.of("VIDEOLB_JAVA_OPTS", "-Xmx1g"), sub)).startsWith("java -Xmx1g -jar ");
            assertThat(packageLauncher(Map.of("VIDEOLB_JAVA_OPTS", "-Xmx1g"), sub))
                    .startsWith("java -Xmx1g -jar ");
            assertThat(repoLauncher(Map.of("VIDEOLB_JAVA_OPTS", ""), sub)).startsWith("java -jar ");
            assertThat(packageLauncher(Map.of("VIDEOLB_JAVA_OPTS", ""), sub)).startsWith("java -jar ");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void theComposeServicesRunWithTheLaunchersOptions() throws Exception {
        Map<String, Object> services = (Map<String, Object>)
                ((Map<String, Object>) StrictYaml.load(REPO.resolve("docker-compose.yml"))).get("services");
        for (String name : List.of("config-service", "health-service", "alert-service", "ipvs-agent")) {
            Map<String, Object> svc = (Map<String, Object>) services.get(name);
            String sub = String.valueOf(((List<Object>) svc.get("command")).get(0));
            Map<String, Object> env = (Map<String, Object>) svc.get("environment");
            assertThat(env.get("JAVA_TOOL_OPTIONS")).as(name).isEqualTo(EXPECTED.get(sub));
        }
    }
}
