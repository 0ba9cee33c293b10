package io.videolb.config.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.videolb.config.client.AdminClient;
import io.videolb.model.Fwmark;
import io.videolb.model.Ipv4Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** 10 writers x 1,000 read-then-write edits with If-Match: every attempt is a success or a 412, and nothing is lost. */
class ConcurrentWritersIT {
    static final int WRITERS = 10;
    static final int EDITS = 1000;

    @Test
    void shouldLoseNoUpdateAndAnswerEveryConflictWith412() throws Exception {
        try (ApiFixture fx = new ApiFixture("concurrent")) {
            long start = fx.importExample();
            Map<Ipv4Network, Fwmark> before =
                    fx.store.current().orElseThrow().state().clients();
            Set<Ipv4Network> succeeded = ConcurrentHashMap.newKeySet();
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger stale = new AtomicInteger();
            List<String> other = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < EDITS; i++) {
                        String ip = "10." + writer + "." + (i / 256) + "." + (i % 256);
                        AdminClient.Response g = fx.admin.get("/api/v1/generation");
                        AdminClient.Response r = fx.admin.send(
                                "PUT",
                                "/api/v1/clients/" + ip,
                                "{\"mark\":" + (i % 2 == 0 ? 10 : 20) + "}",
                                g.etag().orElseThrow());
                        if (r.status() == 200) {
                            ok.incrementAndGet();
                            succeeded.add(Ipv4Network.parse(ip));
                        } else if (r.status() == 412) {
                            stale.incrementAndGet();
                        } else {
                            synchronized (other) {
                                other.add(r.status() + " " + r.body());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) f.get(20, TimeUnit.MINUTES);
            pool.shutdown();
            assertThat(other).as("answers other than 200 and 412").isEmpty();
            assertThat(ok.get() + stale.get()).isEqualTo(WRITERS * EDITS);
            assertThat(ok.get()).isPositive();
            assertThat(fx.store.generation())
                    .as("one generation per successful edit")
                    .isEqualTo(start + ok.get());
            Set<Ipv4Network> now = new HashSet<>(
                    fx.store.current().orElseThrow().state().clients().keySet());
            now.removeAll(before.keySet());
            assertThat(now).as("final state holds exactly the successful edits").isEqualTo(succeeded);
            System.out.printf(
                    "concurrent writers: %d attempts, %d published, %d answered 412%n",
                    WRITERS * EDITS, ok.get(), stale.get());
        }
    }
}
