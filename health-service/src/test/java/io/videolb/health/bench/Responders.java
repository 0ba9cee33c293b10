package io.videolb.health.bench;

import io.vertx.core.Vertx;
import io.videolb.health.testing.FakeVideoServer;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's simulated video servers in their own process, so that the probing JVM's RSS is
 * the service's alone. Started by {@link ProbeBenchmark} with a ProcessBuilder argument list.
 *
 * <p>Args: servers maxSeconds [connectAnswer]. Prints one line {@code READY rtmp:http rtmp:http ...}
 * (loopback ports), then serves until stdin closes (the parent ended or closed it), it is killed,
 * or maxSeconds pass.
 */
public final class Responders {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long maxSeconds = Long.parseLong(args[1]);
        String connectAnswer = args.length > 2 ? args[2] : null;
        Vertx vertx = Vertx.vertx();
        List<FakeVideoServer> fakes = new ArrayList<>();
        StringJoiner ports = new StringJoiner(" ", "READY ", "");
        for (int i = 0; i < n; i++) {
            FakeVideoServer f = FakeVideoServer.start(vertx, "127.0.0.1", 0, 0);
            f.connectAnswer = connectAnswer;
            fakes.add(f);
            ports.add(f.rtmpPort() + ":" + f.httpPort());
        }
        System.out.println(ports);
        System.out.flush();
        Thread stdin = new Thread(
                () -> {
                    try {
                        while (System.in.read() >= 0) {
                            /* until EOF */
                        }
                    } catch (Exception ignored) {
                        // parent gone
                    }
                },
                "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
        stdin.join(TimeUnit.SECONDS.toMillis(maxSeconds));
        vertx.close().await();
        System.exit(0);
    }
}
