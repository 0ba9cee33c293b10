package io.videolb.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.videolb.events.Topics;
import io.videolb.kafka.EventPublisher;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.kafka.embedded.EmbeddedKafkaBroker;

/** Runs {@code java -jar target/videolb.jar standalone} as a child process, twice on one data dir. */
class StandaloneProcessIT {
    private static final Pattern READY = Pattern.compile("^videolb standalone ready \\(broker=([0-9.]+:\\d+), .*\\)$");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    @Test
    void startsReadyStopsCleanlyOnSigtermAndRestartsOnTheSameDataDir() throws Exception {
        Path jar = Path.of(System.getProperty("videolb.jar", "target/videolb.jar"));
        assertThat(jar).as("shaded jar (built in the package phase)").isRegularFile();
        Path config = Path.of(StandaloneProcessIT.class.getResource("/standalone-config").toURI());
        Path data = tmp.resolve("data");

        // first start: fresh data dir
        Child first = Child.start(jar, config, data, tmp.resolve("first.err"));
        try {
            String bootstrap = first.awaitReady();
            assertThat(Files.readString(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE)).strip()).isEqualTo(bootstrap);
            assertThat(data.resolve("kafka/meta.properties")).isRegularFile();
            try (EventPublisher pub = new EventPublisher(KafkaSettings.of(bootstrap, "it-pub"))) {
                pub.publish(Topics.DEFAULT.desired(), "it-marker", "kept across restarts");
            }
            first.stopAndExpectCleanExit();
            assertThat(first.stdout).hasSize(1); // exactly the ready line
            assertThat(data.resolve(StandaloneRuntime.BOOTSTRAP_FILE)).doesNotExist();
        } finally {
            first.kill();
        }

        // second start: same data dir, data still there
        Child second = Child.start(jar, config, data, tmp.resolve("second.err"));
        try {
            String bootstrap = second.awaitReady();
            Map<String, String> desired = new ConcurrentHashMap<>();
            try (StateTopicReader r = StateTopicReader.start(KafkaSettings.of(bootstrap, "it-reader"),
                    Topics.DEFAULT.desired(), StateTopicReader.folding(desired))) {
                assertThat(r.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            }
            assertThat(desired).containsEntry("it-marker", "kept across restarts");
            second.stopAndExpectCleanExit();
            assertThat(second.stdout).hasSize(1);
        } finally {
            second.kill();
        }
    }

    /** A running {@code videolb standalone}; stdout is collected line by line, stderr goes to a file. */
    private static final class Child {
        final Process process;
        final List<String> stdout = new CopyOnWriteArrayList<>();
        final Path stderr;
        final long startedNanos = System.nanoTime();

        private Child(Process process, Path stderr) {
            this.process = process;
            this.stderr = stderr;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        stdout.add(line);
                    }
                } catch (IOException e) {
                    // process gone
                }
            }, "standalone-stdout");
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(Path jar, Path config, Path data, Path stderr) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1",
                    "-jar", jar.toString(),
                    "standalone", "--config", config.toString(), "--data-dir", data.toString(),
                    "--http-port", Integer.toString(EmbeddedKafkaBroker.freeLoopbackPort())));
            Process p = new ProcessBuilder(cmd)
                    .redirectError(stderr.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new Child(p, stderr);
        }

        String awaitReady() throws Exception {
            long deadline = startedNanos + READY_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                for (String line : stdout) {
                    Matcher m = READY.matcher(line);
                    if (m.matches()) {
                        System.out.printf("standalone ready after %d ms: %s%n",
                                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos), line);
                        return m.group(1);
                    }
                }
                if (!process.isAlive()) {
                    throw new AssertionError("standalone exited with " + process.exitValue() + " before ready; stdout "
                            + stdout + "; stderr:\n" + Files.readString(stderr));
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no ready line within " + READY_TIMEOUT + "; stdout " + stdout + "; stderr:\n"
                    + Files.readString(stderr));
        }

        void stopAndExpectCleanExit() throws Exception {
            long t0 = System.nanoTime();
            process.destroy(); // SIGTERM
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            assertThat(exited).as("exited within 60 s after SIGTERM").isTrue();
            System.out.printf("standalone stopped %d ms after SIGTERM%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            assertThat(process.exitValue()).as("exit code; stderr:\n" + Files.readString(stderr)).isZero();
            assertThat(Files.readString(stderr)).contains("SIGTERM received").doesNotContain(" ERROR ");
        }

        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
