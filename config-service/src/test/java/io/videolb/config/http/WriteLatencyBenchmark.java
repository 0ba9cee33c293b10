package io.videolb.config.http;

import io.videolb.config.client.AdminClient;
import java.util.Arrays;

/**
 * API write -> published generation latency on the embedded broker: sequential PUT /clients with
 * If-Match; each answer comes after the Kafka transaction (records + marker + audit) committed.
 * Run: see docs/admin-api.md.
 */
public final class WriteLatencyBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        try (ApiFixture fx = new ApiFixture("bench")) {
            fx.importExample();
            for (int i = 0; i < 50; i++) put(fx, i); // warm-up
            long[] micros = new long[n];
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                put(fx, 1000 + i);
                micros[i] = (System.nanoTime() - t0) / 1000;
            }
            Arrays.sort(micros);
            System.out.printf(
                    "API write -> published generation, %d writes: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                    n, micros[n / 2] / 1000.0, micros[(int) (n * 0.99)] / 1000.0, micros[n - 1] / 1000.0);
        }
        System.exit(0);
    }

    private static void put(ApiFixture fx, int i) throws Exception {
        AdminClient.Response r = fx.admin.send(
                "PUT",
                "/api/v1/clients/10.9." + (i / 256) + "." + (i % 256),
                "{\"mark\":" + (i % 2 == 0 ? 10 : 20) + "}",
                "\"" + fx.store.generation() + "\"");
        if (r.status() != 200) throw new IllegalStateException(r.status() + " " + r.body());
    }
}
