package io.videolb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceStopTest {
    final ServiceRuntime runtime = ServiceRuntime.create();

    @AfterEach
    void close() {
        runtime.close();
    }

    /** A service whose stop is {@link ServiceStop#inOrder}; it records where its blocking part ran. */
    static final class Stopping extends VerticleBase {
        final ServiceRuntime runtime;
        final List<String> events;
        final RuntimeException blockingFailure;
        ServiceMetrics metrics;
        HttpServer http;

        Stopping(ServiceRuntime runtime, List<String> events, RuntimeException blockingFailure) {
            this.runtime = runtime;
            this.events = events;
            this.blockingFailure = blockingFailure;
        }

        @Override
        public Future<?> start() {
            metrics = runtime.metrics("example-service");
            Counter.builder("videolb.example.runs").register(metrics.registry()).increment();
            return vertx.createHttpServer()
                    .requestHandler(r -> r.response().end())
                    .listen(0, "127.0.0.1")
                    .onSuccess(s -> http = s);
        }

        @Override
        public Future<?> stop() {
            return ServiceStop.inOrder(
                    vertx,
                    () -> {
                        events.add(
                                Context.isOnWorkerThread() ? "blocking part on a worker" : "blocking part elsewhere");
                        events.add(
                                runtime.registry().scrape().contains("example-service")
                                        ? "meters open"
                                        : "meters gone");
                        if (blockingFailure != null) throw blockingFailure;
                    },
                    http,
                    metrics);
        }
    }

    @Test
    void runsTheBlockingPartOnAWorkerWhileTheMetersAreOpenThenRemovesThem() {
        List<String> events = new CopyOnWriteArrayList<>();
        Stopping s = runtime.deploy(new Stopping(runtime, events, null));
        assertThat(s.http.actualPort()).isPositive();
        assertThat(runtime.registry().scrape()).contains("videolb_example_runs_total");

        runtime.undeploy(s);

        assertThat(events).containsExactly("blocking part on a worker", "meters open");
        assertThat(runtime.registry().scrape()).doesNotContain("example-service");
    }

    @Test
    void aFailedBlockingPartStillRemovesTheMetersAndFailsTheStop() {
        List<String> events = new CopyOnWriteArrayList<>();
        Stopping s = runtime.deploy(new Stopping(runtime, events, new IllegalStateException("broker gone")));

        Future<?> stopped = runtime.vertx().undeploy(s.deploymentID());
        assertThatThrownBy(
                        () -> stopped.toCompletionStage().toCompletableFuture().get())
                .hasRootCauseMessage("broker gone");

        assertThat(events).containsExactly("blocking part on a worker", "meters open");
        assertThat(runtime.registry().scrape()).doesNotContain("example-service");
    }
}
