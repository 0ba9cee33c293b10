package io.videolb.app.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One videolb service as an operator runs it: {@code java -jar videolb.jar COMMAND} with its settings in
 * {@code VIDEOLB_*} environment variables (none inherited from the test's environment), output to a log file. Ready
 * once the service printed its {@code videolb NAME running (...)} line; its HTTP port is read from that line.
 * Stopped with SIGKILL by its own PID.
 */
final class ServiceProcess implements AutoCloseable {
    private static final Pattern PORT = Pattern.compile("(?:http port |http://127\\.0\\.0\\.1:)(\\d+)");

    final String name;
    final Process process;
    final Path log;
    private final String running;
    /** The HTTP port of its running line; -1 before {@link #awaitRunning}. */
    int httpPort = -1;

    private ServiceProcess(String name, Process process, Path log, String running) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.running = running;
    }

    /** Starts {@code java -jar JAR COMMAND ARGS...} with {@code env}; {@link #awaitRunning} waits for it. */
    static ServiceProcess launch(Path jar, String name, List<String> commandAndArgs, Map<String, String> env, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Xmx160m",
                "-jar",
                jar.toString()));
        cmd.addAll(commandAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIDEOLB_"));
        pb.environment().putAll(env);
        return new ServiceProcess(name, pb.start(), log, "videolb " + commandAndArgs.get(0) + " running (");
    }

    /** Waits (bounded) for the running line and reads the HTTP port from it; kills the process on failure. */
    ServiceProcess awaitRunning(Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String out = Files.readString(log);
            int at = out.indexOf(running);
            if (at >= 0) {
                int eol = out.indexOf('\n', at);
                if (eol > 0) {
                    Matcher m = PORT.matcher(out.substring(at, eol));
                    httpPort = m.find() ? Integer.parseInt(m.group(1)) : -1;
                    return this;
                }
            }
            if (!process.isAlive()) throw new AssertionError(name + " exited at start: " + out);
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new AssertionError(name + " not running within " + wait + ": " + Files.readString(log));
    }

    /** GET {@code path} on the service's HTTP port: the status code, or -1 when it does not answer within 2 s. */
    int get(String path) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Lines of its log at level ERROR (slf4j-simple: {@code [thread] ERROR logger - message}). */
    List<String> errorLines() throws IOException {
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains(" ERROR "))
                .toList();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }
}
