package io.videolb.threads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NamedThreadsTest {
    @Test
    void aThreadIsAnUnstartedDaemonWithExactlyTheGivenName() {
        Thread t = NamedThreads.thread("health-publisher", () -> {});
        assertThat(t.getName()).isEqualTo("health-publisher");
        assertThat(t.isDaemon()).isTrue();
        assertThat(t.getState()).isEqualTo(Thread.State.NEW);
    }

    @Test
    void aFactoryNumbersItsDaemonThreadsFromOne() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2, NamedThreads.factory("api-reader"));
        try {
            var names = new java.util.concurrent.ConcurrentSkipListSet<String>();
            var daemon = new java.util.concurrent.ConcurrentLinkedQueue<Boolean>();
            var both = new java.util.concurrent.CyclicBarrier(2);
            var tasks = new java.util.ArrayList<java.util.concurrent.Future<?>>();
            for (int i = 0; i < 2; i++) {
                tasks.add(pool.submit(() -> {
                    names.add(Thread.currentThread().getName());
                    daemon.add(Thread.currentThread().isDaemon());
                    both.await(10, TimeUnit.SECONDS); // both threads exist at once
                    return null;
                }));
            }
            for (var t : tasks) t.get(10, TimeUnit.SECONDS);
            assertThat(names).containsExactly("api-reader-1", "api-reader-2");
            assertThat(daemon).containsOnly(true);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNameIsRequired() {
        assertThatThrownBy(() -> NamedThreads.thread(" ", () -> {})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NamedThreads.factory(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
