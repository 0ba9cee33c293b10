package io.videolb.app;

import io.videolb.events.ProbeLevel;
import io.videolb.events.Topics;
import io.videolb.health.Endpoint;
import io.videolb.health.HealthService;
import io.videolb.health.HealthServiceSettings;
import io.videolb.health.ProbeSettings;
import io.videolb.model.Ipv4Address;
import io.videolb.runtime.ServiceRuntime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * health-service as its own process for {@link HealthServiceKilledIT} (the same verticle {@code videolb
 * health-service} deploys, with the probe timing and the server-to-loopback mapping of the test):
 * {@code BOOTSTRAP TOPIC_PREFIX CHECKER_ID IP=PORT...}. Prints {@value #READY} once deployed and runs until
 * killed (SIGKILL: no clean stop, no {@code checker/ID} tombstone).
 */
public final class HealthServiceProcess {
    static final String READY = "health-service process ready";

    private HealthServiceProcess() {}

    public static void main(String[] args) throws Exception {
        Map<Ipv4Address, Endpoint> endpoints = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            int port = Integer.parseInt(kv[1]);
            endpoints.put(Ipv4Address.parse(kv[0]), new Endpoint(Ipv4Address.parse("127.0.0.1"), port, port));
        }
        HealthServiceSettings s = HealthServiceSettings.builder()
                .bootstrap(args[0])
                .topics(new Topics(args[1]))
                .checkerId(args[2])
                .httpPort(0)
                .defaults(ProbeSettings.DEFAULT
                        .withLevel(ProbeLevel.TCP)
                        .withTiming(Duration.ofMillis(300), Duration.ofMillis(200), 1, 2, Duration.ZERO))
                .endpoints(endpoints)
                .refreshInterval(Duration.ofMillis(500))
                .heartbeat(Duration.ofMillis(200))
                .build();
        ServiceRuntime runtime = ServiceRuntime.create();
        runtime.deploy(new HealthService(s, runtime));
        System.out.println(READY);
        System.out.flush();
        Thread.currentThread().join(); // until SIGKILL
    }
}
