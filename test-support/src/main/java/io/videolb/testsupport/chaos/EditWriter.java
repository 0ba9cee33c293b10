package io.videolb.testsupport.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.videolb.events.DesiredRecords;
import io.videolb.events.GenerationMarker;
import io.videolb.json.Json;
import io.videolb.kafka.KafkaSettings;
import io.videolb.kafka.StateTopicReader;
import io.videolb.threads.NamedThreads;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every chaos test shares, whichever module starts config-service: writers (two operators) that make admin-API
 * edits with If-Match over HTTP, each a new client {@code 10.20.X.Y/32}, and record every answer; and the check of
 * those answers against the desired topic as an independent read_committed reader folds it from offset 0 (every
 * acknowledged edit is there, no refused edit ever was, generations 1, 2, 3, ... without gap), with the figures line
 * ({@code CHAOS ...} on stdout).
 */
public final class EditWriter implements AutoCloseable {
    /** HTTP timeout of one write: longer than anything config-service may take (commit budget + resync). */
    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /** One write and its answer. status -1: no answer (client timeout or connection error). */
    public record Attempt(String client, long startNanos, long endNanos, int status, long generation, String body) {
        public long millis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    /** An answer of the admin API. */
    public record Answer(int status, String body) {}

    /** What an independent read_committed reader of the desired topic finds, from offset 0. */
    public record TopicHistory(Map<String, String> finalState, Set<String> everPut, List<Long> generations) {
        public long lastGeneration() {
            return generations.isEmpty() ? 0 : generations.get(generations.size() - 1);
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final List<Thread> writers = new ArrayList<>();
    private final AtomicInteger seq = new AtomicInteger();
    private volatile boolean stop;

    /** @param base config-service's admin API, e.g. {@code http://127.0.0.1:PORT} */
    public EditWriter(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    public List<Attempt> attempts() {
        return attempts;
    }

    public List<Attempt> acknowledged() {
        return attempts.stream().filter(a -> a.status() == 200).toList();
    }

    /** One request to the admin API ({@code ifMatch} and {@code json} may be null). */
    public Answer send(String method, String path, String json, String ifMatch)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
        if (ifMatch != null) b.header("If-Match", ifMatch);
        if (json != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(json));
        } else b.method(method, HttpRequest.BodyPublishers.noBody());
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    public Answer get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null);
    }

    /** The generation config-service answers now. */
    public long generation() throws IOException, InterruptedException {
        Answer g = get("/api/v1/generation");
        if (g.status() != 200) throw new IOException("GET /api/v1/generation answered " + g);
        return Json.MAPPER.readTree(g.body()).path("generation").asLong();
    }

    /** Imports {@code files} (CSV name -> content) at If-Match {@code generation}; the answer. */
    public Answer importFiles(Map<String, String> files, long generation) throws IOException, InterruptedException {
        var body = Json.MAPPER.createObjectNode();
        var f = body.putObject("files");
        files.forEach(f::put);
        return send("POST", "/api/v1/import", body.toString(), "\"" + generation + "\"");
    }

    /**
     * Starts two writers (two operators): each makes one edit after the other, each edit a new client, as fast as
     * answers come. Two, so that while one waits for an edit that was in flight when a broker died, the other shows
     * how new writes are answered meanwhile (they race on If-Match: a 412 is an ordinary answer).
     */
    public void start() {
        for (int i = 0; i < 2; i++) {
            Thread t = NamedThreads.thread("chaos-writer-" + i, () -> {
                while (!stop) writeOnce();
            });
            writers.add(t);
            t.start();
        }
    }

    /** One edit: read the generation, PUT a new client with If-Match; the answer recorded (null: nothing sent). */
    public Attempt writeOnce() {
        int n = seq.getAndIncrement();
        String client = "10.20." + (n / 250) + "." + (n % 250 + 1);
        long t0 = System.nanoTime();
        Attempt a;
        try {
            Answer g = get("/api/v1/generation");
            if (g.status() != 200) {
                pause(200);
                return null; // not a write: nothing sent
            }
            long gen = Json.MAPPER.readTree(g.body()).path("generation").asLong();
            t0 = System.nanoTime();
            Answer r = send("PUT", "/api/v1/clients/" + client, "{\"mark\":20}", "\"" + gen + "\"");
            JsonNode b = r.status() == 200 ? Json.MAPPER.readTree(r.body()) : null;
            a = new Attempt(
                    client,
                    t0,
                    System.nanoTime(),
                    r.status(),
                    b == null ? -1 : b.path("generation").asLong(),
                    r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            a = new Attempt(client, t0, System.nanoTime(), -1, -1, e.toString());
        }
        attempts.add(a);
        if (a.status() != 200) pause(100);
        return a;
    }

    /** Stops the writers and waits (bounded) for the edits in flight to be answered. */
    public void stop() throws InterruptedException {
        stop = true;
        for (Thread t : writers) {
            t.join(REQUEST_TIMEOUT.toMillis() + 10_000);
            if (t.isAlive()) throw new AssertionError("writer " + t.getName() + " did not stop");
        }
    }

    /** Waits (bounded) until /ready is 200 and a write is acknowledged: config-service recovered by itself. */
    public long awaitRecovered(Duration wait) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + wait.toNanos();
        String last = "";
        while (System.nanoTime() - deadline < 0) {
            Answer ready;
            try {
                ready = get("/ready");
            } catch (IOException e) {
                ready = new Answer(-1, e.toString());
            }
            if (ready.status() == 200) {
                Attempt a = writeOnce();
                if (a != null && a.status() == 200) return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                last = a == null ? "no generation" : a.status() + " " + a.body();
            } else last = ready.body();
            pause(500);
        }
        throw new AssertionError("config-service did not recover within " + wait + ": " + last);
    }

    /** Reads {@code desiredTopic} from offset 0 with a read_committed reader of its own. */
    public static TopicHistory readTopic(KafkaSettings settings, String desiredTopic) throws Exception {
        Map<String, String> state = new HashMap<>();
        Set<String> ever = new HashSet<>();
        List<Long> gens = new ArrayList<>();
        try (StateTopicReader r = StateTopicReader.start(
                settings,
                List.of(desiredTopic),
                rec -> {
                    if (rec.key().equals(DesiredRecords.GENERATION)) {
                        gens.add(Json.read(rec.value(), GenerationMarker.class).generation());
                    } else if (rec.value() == null) {
                        state.remove(rec.key());
                    } else {
                        state.put(rec.key(), rec.value());
                        ever.add(rec.key());
                    }
                },
                Duration.ofSeconds(60))) {
            if (!r.awaitCaughtUp(Duration.ofSeconds(60)))
                throw new AssertionError("the desired topic " + desiredTopic + " was not read to its end in 60 s");
        }
        return new TopicHistory(state, ever, gens);
    }

    /**
     * The checks every chaos test makes: every acknowledged edit is in the final state, no edit answered 503 (or
     * another 4xx/5xx but 504) ever appeared in the topic, and the generations are 1, 2, 3, ... with no gap and no
     * duplicate (a half-written or doubly-numbered generation would show). Prints and returns the figures line.
     */
    public String verify(KafkaSettings settings, String desiredTopic, String fault) throws Exception {
        TopicHistory h = readTopic(settings, desiredTopic);
        List<Attempt> acked = acknowledged();
        List<Attempt> refused = attempts.stream()
                .filter(a -> a.status() >= 400 && a.status() != 504)
                .toList();
        List<Attempt> unknown = attempts.stream()
                .filter(a -> a.status() == 504 || a.status() == -1)
                .toList();
        for (Attempt a : acked)
            if (!h.finalState().containsKey(key(a.client())))
                throw new AssertionError("acknowledged edit " + a.client() + " lost: " + a);
        for (Attempt a : refused)
            if (h.everPut().contains(key(a.client())))
                throw new AssertionError("edit " + a.client() + " answered " + a.status() + " but visible: " + a);
        for (int i = 0; i < h.generations().size(); i++)
            if (h.generations().get(i) != i + 1L)
                throw new AssertionError("generation numbers: "
                        + h.generations().get(i) + " at position " + (i + 1) + " (gap or duplicate)");
        long unknownVisible = unknown.stream()
                .filter(a -> h.everPut().contains(key(a.client())))
                .count();
        String figures = String.format(
                Locale.ROOT,
                "%s: %d writes: %d acknowledged (0 lost), %d refused (%s; 0 visible), %d outcome unknown (%d became"
                        + " visible); generations 1..%d; longest write unavailability %d ms; write latency p50 %d ms,"
                        + " p99 %d ms, max %d ms",
                fault,
                attempts.size(),
                acked.size(),
                refused.size(),
                statusCounts(refused),
                unknown.size(),
                unknownVisible,
                h.generations().size(),
                longestUnavailability(),
                percentile(50),
                percentile(99),
                percentile(100));
        System.out.println("CHAOS " + figures);
        return figures;
    }

    /**
     * The writes sent from {@code afterNanos} (System.nanoTime) and answered before {@code beforeNanos}: during an
     * outage each must be 503 "cannot take writes" within 2 s; returns their p99 in ms.
     */
    public long assertRefusedCleanly(long afterNanos, long beforeNanos) {
        List<Attempt> during = attempts.stream()
                .filter(x -> x.startNanos() > afterNanos && x.endNanos() < beforeNanos)
                .toList();
        if (during.isEmpty()) throw new AssertionError("no write during the outage");
        for (Attempt x : during) {
            if (x.status() != 503 || !x.body().contains("cannot take writes"))
                throw new AssertionError("a write during the outage was not refused with 503 and the reason: " + x);
            if (x.millis() >= 2000) throw new AssertionError("a write during the outage took 2 s or more: " + x);
        }
        return percentileOf(during.stream().map(Attempt::millis).sorted().toList(), 99);
    }

    /** How many writes {@link #assertRefusedCleanly} looks at for that window. */
    public long countBetween(long afterNanos, long beforeNanos) {
        return attempts.stream()
                .filter(x -> x.startNanos() > afterNanos && x.endNanos() < beforeNanos)
                .count();
    }

    private static String key(String client) {
        return DesiredRecords.CLIENT + client + "/32";
    }

    private static String statusCounts(List<Attempt> as) {
        Map<Integer, Integer> c = new TreeMap<>();
        for (Attempt a : as) c.merge(a.status(), 1, Integer::sum);
        return c.toString();
    }

    /** Longest time between the end of one acknowledged write and the end of the next. */
    public long longestUnavailability() {
        long longest = 0;
        long prev = -1;
        List<Attempt> byEnd = new ArrayList<>(attempts);
        byEnd.sort(Comparator.comparingLong(Attempt::endNanos));
        for (Attempt a : byEnd) {
            if (a.status() != 200) continue;
            if (prev >= 0) longest = Math.max(longest, a.endNanos() - prev);
            prev = a.endNanos();
        }
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    public long percentile(int p) {
        return percentileOf(attempts.stream().map(Attempt::millis).sorted().toList(), p);
    }

    private static long percentileOf(List<Long> sortedMs, int p) {
        if (sortedMs.isEmpty()) return 0;
        int i = (int) Math.ceil(p / 100.0 * sortedMs.size()) - 1;
        return sortedMs.get(Math.max(0, Math.min(sortedMs.size() - 1, i)));
    }

    public static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : writers) t.join(REQUEST_TIMEOUT.toMillis());
    }
}
