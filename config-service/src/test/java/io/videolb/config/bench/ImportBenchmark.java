package io.videolb.config.bench;

import io.videolb.config.csv.CsvConfigReader;
import io.videolb.config.csv.CsvReadResult;
import io.videolb.config.publish.DesiredStatePublisher;
import io.videolb.config.publish.PublishResult;
import io.videolb.events.Topics;
import io.videolb.model.DesiredState;
import io.videolb.model.Fwmark;
import io.videolb.testsupport.kafka.SharedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CSV import of N clients (default 100,000): time to read + validate the four files, to publish
 * the first generation to the embedded broker, to re-import unchanged, to publish a 1% change, and
 * to rebuild the state from the topic on start. Prints figures; not a test.
 *
 * <pre>
 * cd config-service &amp;&amp; mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) io.videolb.config.bench.ImportBenchmark 100000
 * </pre>
 */
public final class ImportBenchmark {
    private ImportBenchmark() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Path dir = Files.createTempDirectory("videolb-bench");
        DesiredState generated = StateGenerator.state(n, 0);
        StateGenerator.writeCsv(generated, dir);
        long bytes = Files.size(dir.resolve("client-list.csv"));
        System.out.printf("clients: %d, client-list.csv: %.1f MiB%n", n, bytes / 1048576.0);

        CsvConfigReader reader = new CsvConfigReader();
        List<Long> validateMs = new ArrayList<>();
        DesiredState state = null;
        for (int i = 0; i < 6; i++) {
            long t0 = System.nanoTime();
            CsvReadResult r = reader.read(dir);
            validateMs.add((System.nanoTime() - t0) / 1_000_000);
            if (!(r instanceof CsvReadResult.Valid v))
                throw new IllegalStateException("generated files are invalid: " + r);
            state = v.state();
        }
        if (!state.equals(generated)) throw new IllegalStateException("read state differs from the generated one");
        System.out.printf(
                "read+validate: first %d ms, then median %d ms (of %d runs)%n",
                validateMs.get(0), median(validateMs.subList(1, validateMs.size())), validateMs.size() - 1);

        long tb = System.nanoTime();
        String bootstrap = SharedBroker.bootstrapServers();
        System.out.printf("embedded broker start: %d ms%n", (System.nanoTime() - tb) / 1_000_000);
        Topics topics = SharedBroker.freshTopics("bench");
        try (DesiredStatePublisher p = DesiredStatePublisher.start(
                SharedBroker.settings("bench"),
                topics,
                DesiredStatePublisher.defaultTransactionalId(topics),
                Duration.ofSeconds(120))) {
            long t0 = System.nanoTime();
            PublishResult first = p.publish(state, "import:bench", "bench");
            System.out.printf(
                    "publish generation 1 (%d records in one transaction): %d ms%n",
                    ((PublishResult.Published) first).changes(), (System.nanoTime() - t0) / 1_000_000);

            t0 = System.nanoTime();
            PublishResult same = p.publish(state, "import:bench", "bench");
            System.out.printf(
                    "re-import unchanged (%s): %d ms%n",
                    same.getClass().getSimpleName(), (System.nanoTime() - t0) / 1_000_000);

            TreeMap<io.videolb.model.Ipv4Network, Fwmark> moved = new TreeMap<>(state.clients());
            int k = 0;
            for (Map.Entry<io.videolb.model.Ipv4Network, Fwmark> e :
                    state.clients().entrySet()) {
                if (k++ % 100 == 0)
                    moved.put(
                            e.getKey(),
                            new Fwmark(StateGenerator.mark(
                                    1 + (int) (e.getValue().value() - 100 + 1) % (StateGenerator.POOLS - 1))));
            }
            DesiredState onePercent = new DesiredState(state.params(), moved, state.pools(), state.backups());
            t0 = System.nanoTime();
            PublishResult second = p.publish(onePercent, "import:bench", "bench");
            System.out.printf(
                    "publish a 1%% change (%d records): %d ms%n",
                    ((PublishResult.Published) second).changes(), (System.nanoTime() - t0) / 1_000_000);
        }
        long t0 = System.nanoTime();
        try (DesiredStatePublisher p = DesiredStatePublisher.start(
                SharedBroker.settings("bench2"),
                topics,
                DesiredStatePublisher.defaultTransactionalId(topics),
                Duration.ofSeconds(120))) {
            System.out.printf(
                    "restart: rebuild generation %d from the topic: %d ms%n",
                    p.generation(), (System.nanoTime() - t0) / 1_000_000);
        }
        Runtime rt = Runtime.getRuntime();
        System.out.printf("heap used after run: %d MiB%n", (rt.totalMemory() - rt.freeMemory()) / 1048576);
        System.exit(0);
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }
}
