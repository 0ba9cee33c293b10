package io.videolb.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServiceRuntimeTest {
    final ServiceRuntime runtime = ServiceRuntime.create();

    @AfterEach
    void close() {
        runtime.close();
    }

    @Test
    void theVersionComesFromTheFilteredBuildProperties() {
        assertThat(runtime.version()).matches("[0-9]+\\.[0-9]+\\.[0-9]+.*").doesNotContain("${");
    }

    @Test
    void eachServiceScrapesOnlyItsOwnSeriesAndItsBuildInfo() {
        ServiceMetrics health = runtime.metrics("health-service");
        ServiceMetrics agent = runtime.metrics("ipvs-agent");
        Counter.builder("videolb.health.transitions")
                .tag("to", "down")
                .register(health.registry())
                .increment(3);
        Counter.builder("videolb.agent.reconcile.runs")
                .register(agent.registry())
                .increment();

        String h = health.scrape();
        assertThat(h)
                .contains("videolb_build_info{service=\"health-service\",version=\"" + runtime.version() + "\"} 1")
                .contains("videolb_health_transitions_total{service=\"health-service\",to=\"down\"} 3")
                .doesNotContain("ipvs-agent")
                .doesNotContain("videolb_agent_");
        assertThat(agent.scrape())
                .contains("videolb_agent_reconcile_runs_total{service=\"ipvs-agent\"} 1")
                .contains("videolb_build_info{service=\"ipvs-agent\"")
                .doesNotContain("health");
        // the process registry holds both
        assertThat(runtime.registry().scrape())
                .contains("videolb_health_transitions_total", "videolb_agent_reconcile_runs_total");
    }

    @Test
    void aRefreshRunsBeforeEachScrapeOfItsServiceOnlyAndAFailingOneDoesNotStopTheScrape() {
        ServiceMetrics agent = runtime.metrics("ipvs-agent");
        ServiceMetrics health = runtime.metrics("health-service");
        java.util.concurrent.atomic.AtomicLong kernelCount = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
        io.micrometer.core.instrument.Gauge.builder(
                        "videolb.test.read.at.scrape", seen, java.util.concurrent.atomic.AtomicLong::get)
                .register(agent.registry());
        agent.beforeScrape(() -> {
            throw new IllegalStateException("the kernel said no");
        });
        agent.beforeScrape(() -> seen.set(kernelCount.incrementAndGet()));

        assertThat(agent.scrape()).contains("videolb_test_read_at_scrape{service=\"ipvs-agent\"} 1.0");
        assertThat(agent.scrape()).contains("videolb_test_read_at_scrape{service=\"ipvs-agent\"} 2.0");
        health.scrape();
        assertThat(kernelCount.get())
                .as("another service's scrape does not refresh the agent's series")
                .isEqualTo(2);
        agent.close();
        assertThat(kernelCount.get()).isEqualTo(2);
    }

    @Test
    void closingAServicesMetricsRemovesItsSeriesAndFreesTheName() {
        ServiceMetrics first = runtime.metrics("alert-service");
        Counter.builder("videolb.alert.mails.sent").register(first.registry()).increment();
        assertThatThrownBy(() -> runtime.metrics("alert-service"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("open already");
        first.close();
        assertThat(runtime.registry().scrape()).doesNotContain("alert-service");
        assertThatThrownBy(first::registry).isInstanceOf(IllegalStateException.class);

        ServiceMetrics second = runtime.metrics("alert-service");
        assertThat(second.scrape())
                .contains("videolb_build_info{service=\"alert-service\"")
                .doesNotContain("videolb_alert_mails_sent");
    }

    @Test
    void deployReturnsOnceStartedAndCloseStopsServicesNewestFirst() {
        List<String> events = new CopyOnWriteArrayList<>();
        Recording a = runtime.deploy(new Recording("a", events, null));
        runtime.deploy(new Recording("b", events, null));
        assertThat(events).containsExactly("start a on event loop", "start b on event loop");
        assertThat(a.deploymentID()).isNotNull();
        runtime.close();
        runtime.close();
        assertThat(events).containsExactly("start a on event loop", "start b on event loop", "stop b", "stop a");
    }

    @Test
    void aFailedStartIsRaisedAsItWasThrownAndNothingStaysDeployed() {
        List<String> events = new CopyOnWriteArrayList<>();
        assertThatThrownBy(() -> runtime.deploy(
                        new Recording("bad", events, new IllegalArgumentException("VIDEOLB_X='y': must be z"))))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessage("VIDEOLB_X='y': must be z");
        runtime.close();
        assertThat(events).containsExactly("start bad on event loop");
    }

    @Test
    void undeployStopsOneService() {
        List<String> events = new CopyOnWriteArrayList<>();
        Recording a = runtime.deploy(new Recording("a", events, null));
        runtime.deploy(new Recording("b", events, null));
        runtime.undeploy(a);
        runtime.undeploy(a); // not deployed any more: nothing
        assertThat(events).endsWith("stop a").doesNotContain("stop b");
    }

    @Test
    void waitingCallsAreRefusedOnAVertxThread() throws Exception {
        Future<Object> f = runtime.vertx().executeBlocking(() -> {
            runtime.deploy(new Recording("x", new CopyOnWriteArrayList<>(), null));
            return null;
        });
        assertThatThrownBy(() -> f.toCompletionStage().toCompletableFuture().get())
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("never call it on a Vert.x thread");
    }

    /** A verticle that records its start (and where it ran) and its stop. */
    static final class Recording extends VerticleBase {
        final String name;
        final List<String> events;
        final RuntimeException failure;

        Recording(String name, List<String> events, RuntimeException failure) {
            this.name = name;
            this.events = events;
            this.failure = failure;
        }

        @Override
        public Future<?> start() {
            events.add("start " + name + (Context.isOnEventLoopThread() ? " on event loop" : " elsewhere"));
            return failure == null ? Future.succeededFuture() : Future.failedFuture(failure);
        }

        @Override
        public Future<?> stop() {
            events.add("stop " + name);
            return Future.succeededFuture();
        }
    }
}
